import Foundation

/// Causal multi-head self-attention over a fused `qkv` activation, for training and full-sequence forwards.
///
/// Shapes: B sequences, T positions, C channels, H heads of size D = C/H.
/// `qkv` (B, T, 3C) holds q, k, v side by side (head h uses features h·D ..< (h+1)·D of each);
/// `output` (B, T, C); `logSumExp` (B, H, T) is each attention row's log-normaliser, which is all the backward
/// pass keeps: it recomputes the probabilities from q, k and it, instead of storing a (B, H, T, T) tensor.
/// Products run on `cblas_sgemm` directly on the strided q, k, v (leading dimension 3C), in blocks of query rows
/// that skip the masked upper triangle. `scratch` holds 2·T·T values.
/// https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html
package enum Attention {
    /// Query rows per block: small enough to skip most of the masked triangle, large enough for sgemm.
    static let blockRows = 32

    /// Turns a block of causal attention scores into probabilities in place: row `i` of the `rows` × `keys` block
    /// belongs to query position `firstRow + i` and sees keys `0 ... firstRow + i`; the masked rest becomes 0. Each
    /// row's log-normaliser goes to `logSumExp[firstRow + i]`, for the backward pass. Both model families use it.
    package static func causalSoftmax(
        _ scores: FloatPointer, rows: Int, keys: Int, firstRow r0: Int, logSumExp lse: FloatPointer
    ) {
        for i in 0..<rows {
            let row = scores + i * keys
            let visible = r0 + i + 1
            let m = VectorMath.max(row, visible)
            let sum = VectorMath.expShiftedSum(row, visible, shift: m)
            let inverse = 1 / sum
            for j in 0..<visible { row[j] *= inverse }
            (row + visible).update(repeating: 0, count: keys - visible)
            lse[r0 + i] = m + log(sum)
        }
    }

    static func forward(
        output: FloatPointer, logSumExp: FloatPointer, qkv: UnsafePointer<Float>, scratch: FloatPointer,
        batch: Int, length t: Int, channels c: Int, heads: Int
    ) {
        let d = c / heads
        let scale = 1 / Float(d).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * t * 3 * c + h * d
                let k = q + c
                let v = q + 2 * c
                let lse = logSumExp + (b * heads + h) * t
                var r0 = 0
                while r0 < t {
                    let r1 = min(t, r0 + blockRows)
                    let rows = r1 - r0
                    let keys = r1
                    sgemm(
                        false, true, m: rows, n: keys, k: d, alpha: scale, a: q + r0 * 3 * c, lda: 3 * c, b: k,
                        ldb: 3 * c, beta: 0, c: scratch, ldc: keys)
                    causalSoftmax(scratch, rows: rows, keys: keys, firstRow: r0, logSumExp: lse)
                    sgemm(
                        false, false, m: rows, n: d, k: keys, a: scratch, lda: keys, b: v, ldb: 3 * c, beta: 0,
                        c: output + (b * t + r0) * c + h * d, ldc: c)
                    r0 = r1
                }
            }
        }
    }

    /// Writes the gradient of `qkv` (every element of `qkvGradient` is written) given the output's gradient.
    static func backward(
        qkvGradient dqkv: FloatPointer, outputGradient dout: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        logSumExp: UnsafePointer<Float>, scratch: FloatPointer, batch: Int, length t: Int, channels c: Int, heads: Int
    ) {
        let d = c / heads
        let scale = 1 / Float(d).squareRoot()
        let blockCount = (t + blockRows - 1) / blockRows
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * t * 3 * c + h * d
                let k = q + c
                let v = q + 2 * c
                let dq = dqkv + b * t * 3 * c + h * d
                let dk = dq + c
                let dv = dq + 2 * c
                let dy = dout + b * t * c + h * d
                let lse = logSumExp + (b * heads + h) * t
                // The last block sees every key, so it runs first and initialises dk and dv for all rows.
                for block in stride(from: blockCount - 1, through: 0, by: -1) {
                    let r0 = block * blockRows
                    let r1 = min(t, r0 + blockRows)
                    let rows = r1 - r0
                    let keys = r1
                    let first = block == blockCount - 1
                    let p = scratch
                    let dp = scratch + rows * keys
                    sgemm(
                        false, true, m: rows, n: keys, k: d, alpha: scale, a: q + r0 * 3 * c, lda: 3 * c, b: k,
                        ldb: 3 * c, beta: 0, c: p, ldc: keys)
                    sgemm(
                        false, true, m: rows, n: keys, k: d, a: dy + r0 * c, lda: c, b: v, ldb: 3 * c, beta: 0,
                        c: dp, ldc: keys)
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
                        true, false, m: keys, n: d, k: rows, a: p, lda: keys, b: dy + r0 * c, ldb: c,
                        beta: first ? 0 : 1, c: dv, ldc: 3 * c)
                    sgemm(
                        false, false, m: rows, n: d, k: keys, alpha: scale, a: dp, lda: keys, b: k, ldb: 3 * c,
                        beta: 0, c: dq + r0 * 3 * c, ldc: 3 * c)
                    sgemm(
                        true, false, m: keys, n: d, k: rows, alpha: scale, a: dp, lda: keys, b: q + r0 * 3 * c,
                        ldb: 3 * c, beta: first ? 0 : 1, c: dk, ldc: 3 * c)
                }
            }
        }
    }
}
