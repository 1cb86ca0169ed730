import Foundation
import FulmenModel

/// Causal grouped-query attention over a fused `qkv` activation, for training and full-sequence forwards.
///
/// Shapes: B sequences of T positions; `qkv` (B, T, W) with W = H·D + 2·G·D: q (H heads of D) at column 0, k (G
/// heads) at H·D, v (G heads) at H·D + G·D; query head h reads key/value head h / (H/G), as llama.cpp's broadcast
/// and Hugging Face's `repeat_kv` do. `output` (B, T, H·D); `logSumExp` (B, H, T), each attention row's
/// log-normaliser, is all the backward pass keeps: it recomputes the probabilities from q, k and it.
/// Products run on `cblas_sgemm` on the strided heads, in blocks of query rows that skip the masked triangle.
/// Workers take (sequence, key/value head) pairs, so the gradients of a shared key/value head have one writer.
enum GroupedQueryAttention {
    /// Query rows per block: small enough to skip most of the masked triangle, large enough for sgemm.
    static let blockRows = 32

    /// Floats of scratch one worker needs for sequences of `length` positions.
    static func scratchCount(length: Int) -> Int { 2 * blockRows * length }

    /// The shape shared by every call.
    struct Shape {
        let batch: Int
        let length: Int
        let heads: Int
        let keyValueHeads: Int
        let headSize: Int
        var queryWidth: Int { heads * headSize }
        var width: Int { (heads + 2 * keyValueHeads) * headSize }
        var groupSize: Int { heads / keyValueHeads }
    }

    static func forward(
        output: FloatPointer, logSumExp: FloatPointer, qkv: UnsafePointer<Float>, scratch: [FloatPointer],
        shape s: Shape
    ) {
        let (t, d, w) = (s.length, s.headSize, s.width)
        let scale = 1 / Float(d).squareRoot()
        let pairs = s.batch * s.heads
        let workers = min(scratch.count, pairs)
        parallelFor(workers) { worker in
            let scores = scratch[worker]
            for pair in stride(from: worker, to: pairs, by: workers) {
                let (b, h) = (pair / s.heads, pair % s.heads)
                let kv = h / s.groupSize
                let q = qkv + b * t * w + h * d
                let k = qkv + b * t * w + s.queryWidth + kv * d
                let v = k + s.keyValueHeads * d
                let lse = logSumExp + (b * s.heads + h) * t
                var r0 = 0
                while r0 < t {
                    let r1 = min(t, r0 + blockRows)
                    let (rows, keys) = (r1 - r0, r1)
                    sgemm(
                        false, true, m: rows, n: keys, k: d, alpha: scale, a: q + r0 * w, lda: w, b: k, ldb: w,
                        beta: 0, c: scores, ldc: keys)
                    Attention.causalSoftmax(scores, rows: rows, keys: keys, firstRow: r0, logSumExp: lse)
                    sgemm(
                        false, false, m: rows, n: d, k: keys, a: scores, lda: keys, b: v, ldb: w, beta: 0,
                        c: output + (b * t + r0) * s.queryWidth + h * d, ldc: s.queryWidth)
                    r0 = r1
                }
            }
        }
    }

    /// Writes the gradient of `qkv` (every element of `qkvGradient` is written) given the output's gradient.
    static func backward(
        qkvGradient dqkv: FloatPointer, outputGradient dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        logSumExp: UnsafePointer<Float>, scratch: [FloatPointer], shape s: Shape
    ) {
        let (t, d, w) = (s.length, s.headSize, s.width)
        let scale = 1 / Float(d).squareRoot()
        let blockCount = (t + blockRows - 1) / blockRows
        let pairs = s.batch * s.keyValueHeads
        let workers = min(scratch.count, pairs)
        parallelFor(workers) { worker in
            for pair in stride(from: worker, to: pairs, by: workers) {
                let (b, kv) = (pair / s.keyValueHeads, pair % s.keyValueHeads)
                let k = qkv + b * t * w + s.queryWidth + kv * d
                let v = k + s.keyValueHeads * d
                let dk = dqkv + b * t * w + s.queryWidth + kv * d
                let dv = dk + s.keyValueHeads * d
                for h in (kv * s.groupSize)..<((kv + 1) * s.groupSize) {
                    let q = qkv + b * t * w + h * d
                    let dq = dqkv + b * t * w + h * d
                    let dy = dout + b * t * s.queryWidth + h * d
                    let lse = logSumExp + (b * s.heads + h) * t
                    // The last block sees every key: for the group's first head it runs first and initialises dk, dv.
                    for block in stride(from: blockCount - 1, through: 0, by: -1) {
                        let r0 = block * blockRows
                        let r1 = min(t, r0 + blockRows)
                        let (rows, keys) = (r1 - r0, r1)
                        let first = block == blockCount - 1 && h == kv * s.groupSize
                        let p = scratch[worker]
                        let dp = p + rows * keys
                        sgemm(
                            false, true, m: rows, n: keys, k: d, alpha: scale, a: q + r0 * w, lda: w, b: k, ldb: w,
                            beta: 0, c: p, ldc: keys)
                        sgemm(
                            false, true, m: rows, n: keys, k: d, a: dy + r0 * s.queryWidth, lda: s.queryWidth, b: v,
                            ldb: w, beta: 0, c: dp, ldc: keys)
                        for i in 0..<rows {
                            let prow = p + i * keys
                            let dprow = dp + i * keys
                            let visible = r0 + i + 1
                            _ = VectorMath.expShiftedSum(prow, visible, shift: lse[r0 + i])
                            (prow + visible).update(repeating: 0, count: keys - visible)
                            let dot = VectorMath.dot(prow, dprow, visible)
                            for j in 0..<visible { dprow[j] = prow[j] * (dprow[j] - dot) }
                            (dprow + visible).update(repeating: 0, count: keys - visible)
                        }
                        sgemm(
                            true, false, m: keys, n: d, k: rows, a: p, lda: keys, b: dy + r0 * s.queryWidth,
                            ldb: s.queryWidth, beta: first ? 0 : 1, c: dv, ldc: w)
                        sgemm(
                            false, false, m: rows, n: d, k: keys, alpha: scale, a: dp, lda: keys, b: k, ldb: w,
                            beta: 0, c: dq + r0 * w, ldc: w)
                        sgemm(
                            true, false, m: keys, n: d, k: rows, alpha: scale, a: dp, lda: keys, b: q + r0 * w, ldb: w,
                            beta: first ? 0 : 1, c: dk, ldc: w)
                    }
                }
            }
        }
    }
}
