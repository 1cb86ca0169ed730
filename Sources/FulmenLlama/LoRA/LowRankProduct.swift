import FulmenModel

/// The arithmetic of one LoRA adapter: `y += s · (x A ᵀ) Bᵀ` for input rows x (R, in), A (r, in), B (out, r) and
/// the scale s = alpha / r, and its backward pass. Two thin products instead of the (out, in) matrix B·A, so a
/// decoding step costs r·(in + out) multiply-adds per row.
///
/// `u = x Aᵀ` (R, r) is kept from the forward pass for the backward one; `y` and `dy` rows are `ldy` apart (the
/// adapter writes its columns of a fused output).
enum LowRankProduct {
    /// Writes `u = x Aᵀ` and adds `s · u Bᵀ` into `y`.
    static func forward(
        output y: FloatPointer, ldy: Int, lowRank u: FloatPointer, input x: UnsafePointer<Float>,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, rows: Int, inputSize: Int, outputSize: Int, rank: Int,
        scale: Float
    ) {
        if rows == 1 {
            // Decoding one sequence: two matrix-vector products, much cheaper to call than sgemm at these sizes.
            sgemv(transposed: false, m: rank, n: inputSize, a: a, lda: inputSize, x: x, beta: 0, y: u)
            sgemv(transposed: false, m: outputSize, n: rank, alpha: scale, a: b, lda: rank, x: u, beta: 1, y: y)
            return
        }
        sgemm(false, true, m: rows, n: rank, k: inputSize, a: x, lda: inputSize, b: a, ldb: inputSize, beta: 0, c: u, ldc: rank)
        sgemm(
            false, true, m: rows, n: outputSize, k: rank, alpha: scale, a: u, lda: rank, b: b, ldb: rank, beta: 1, c: y,
            ldc: ldy)
    }

    /// Adds the gradients of A and B into `aGradient` and `bGradient`, and writes (or adds, when
    /// `accumulateInput`) the input's gradient `s · (dy B) A` into `inputGradient`; `scratch` holds R·r floats.
    static func backward(
        inputGradient dx: FloatPointer, accumulateInput: Bool, aGradient da: FloatPointer, bGradient db: FloatPointer,
        outputGradient dy: UnsafePointer<Float>, ldy: Int, lowRank u: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, scratch du: FloatPointer, rows: Int, inputSize: Int,
        outputSize: Int, rank: Int, scale: Float
    ) {
        // dB += s · dyᵀ u
        sgemm(
            true, false, m: outputSize, n: rank, k: rows, alpha: scale, a: dy, lda: ldy, b: u, ldb: rank, beta: 1,
            c: db, ldc: rank)
        // du = s · dy B
        sgemm(
            false, false, m: rows, n: rank, k: outputSize, alpha: scale, a: dy, lda: ldy, b: b, ldb: rank, beta: 0,
            c: du, ldc: rank)
        // dA += duᵀ x
        sgemm(
            true, false, m: rank, n: inputSize, k: rows, a: du, lda: rank, b: x, ldb: inputSize, beta: 1, c: da,
            ldc: inputSize)
        // dx (+)= du A
        sgemm(
            false, false, m: rows, n: inputSize, k: rank, a: du, lda: rank, b: a, ldb: inputSize,
            beta: accumulateInput ? 1 : 0, c: dx, ldc: inputSize)
    }
}
