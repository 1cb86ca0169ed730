import FulmenModel

/// The LM head and its loss, a chunk of rows at a time: logits (chunk, V) = normed rows · Eᵀ for the head matrix
/// E (V, C) (`output.weight`, or the token embedding when tied), then the weighted cross-entropy, and, when
/// training, at once the head's backward pass for the chunk. So the (R, V) logits of a long batch (49152 values a
/// row for SmolLM2) are never all in memory.
enum LanguageModelHead {
    /// Rows per chunk.
    static let chunkRows = 64

    /// Computes each row's log-probability of its target into `targetLogProbabilities` and returns the weighted
    /// loss `Σ weights · −log p(target)`. With `gradient`, writes the gradient of the normed rows into
    /// `inputGradient` and adds the head's weight gradient into `weightGradient` unless it is nil (a frozen head).
    static func loss(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, targetLogProbabilities: FloatPointer, logits: FloatPointer, rows: Int,
        channels c: Int, vocabulary v: Int, workers: Int,
        gradient: (input: FloatPointer, weight: FloatPointer?)?
    ) -> Double {
        var loss = 0.0
        var r0 = 0
        while r0 < rows {
            let n = min(chunkRows, rows - r0)
            Projection.forward(
                output: logits, input: input + r0 * c, weight: weight, rows: n, inputSize: c, outputSize: v,
                accumulate: false, workers: workers)
            loss += CrossEntropy.forward(
                logits: logits, targetLogProbabilities: targetLogProbabilities + r0, targets: targets + r0,
                weights: weights + r0, rows: n, vocabulary: v, gradient: gradient != nil)
            if let gradient {
                Projection.backward(
                    inputGradient: gradient.input + r0 * c, weightGradient: gradient.weight, outputGradient: logits,
                    input: input + r0 * c, weight: weight, rows: n, inputSize: c, outputSize: v, workers: workers)
            }
            r0 += n
        }
        return loss
    }
}
