public import FulmenModel

/// One optimiser step on weighted token sequences: gradients accumulated over micro-batches, the global
/// norm clipped, then AdamW. The weights already hold the loss's normalisation, so micro-batches add up.
public struct GradientStep: Sendable {
    /// The most sequences one forward/backward pass holds (bounds memory, not the result).
    public var microBatch: Int
    /// The gradient's global norm is clipped to this.
    public var maxGradientNorm: Float

    public init(microBatch: Int = 64, maxGradientNorm: Float = 1) {
        self.microBatch = max(1, microBatch)
        self.maxGradientNorm = maxGradientNorm
    }

    /// What a step did.
    public struct Report: Sendable, Equatable {
        /// `Σ weight · −log p` over the step's tokens.
        public var loss: Float
        /// The gradient's norm before clipping.
        public var gradientNorm: Float
    }

    /// Takes the step on `sequences`: ``accumulate(model:sequences:weights:)`` from zero gradients, then
    /// ``apply(model:optimizer:learningRate:)``.
    /// - Throws: ``ModelError`` when a sequence does not fit the model or the weights do not match.
    public func run(
        model: any LanguageModel, optimizer: AdamW, learningRate: Float, sequences: [[Int32]], weights: [[Float]]
    ) throws(ModelError) -> Report {
        model.zeroGradients()
        let loss = try accumulate(model: model, sequences: sequences, weights: weights)
        return Report(loss: loss, gradientNorm: apply(model: model, optimizer: optimizer, learningRate: learningRate))
    }

    /// The forward and backward passes: adds the gradient of `Σ weight · −log p` over `sequences` (each with
    /// one weight per predicted token) to the model's gradients, micro-batch by micro-batch; answers the loss.
    /// - Throws: ``ModelError`` when a sequence does not fit the model or the weights do not match.
    public func accumulate(model: any LanguageModel, sequences: [[Int32]], weights: [[Float]]) throws(ModelError) -> Float {
        var loss: Float = 0
        for start in stride(from: 0, to: sequences.count, by: microBatch) {
            let end = min(start + microBatch, sequences.count)
            let batch = try TrainingBatch(sequences: Array(sequences[start..<end]), targetWeights: Array(weights[start..<end]))
            loss += try model.accumulateGradients(for: batch)
        }
        return loss
    }

    /// The optimiser step on the gradients accumulated so far: their global norm clipped, then AdamW; the
    /// gradients are zeroed for the next step. Answers the norm before clipping.
    public func apply(model: any LanguageModel, optimizer: AdamW, learningRate: Float) -> Float {
        let norm = model.clipGradientNorm(to: maxGradientNorm)
        optimizer.update(model, learningRate: learningRate)
        model.zeroGradients()
        return norm
    }
}
