public import FulmenModel

/// A token sequence to imitate, with the tokens to learn marked: an expert's demonstration, or the best
/// traces collected so far.
public struct SupervisedSample: Sendable, Hashable {
    public var tokens: [Int32]
    /// One flag per token: whether the model should learn to produce it (the first token never is).
    public var trainable: [Bool]

    public init(tokens: [Int32], trainable: [Bool]) {
        self.tokens = tokens
        self.trainable = trainable
    }

    /// A model call to imitate: the prompt as context, the response's tokens learned where `trainable` says
    /// (every one when it is nil).
    public init(prompt: [Int32], response: [Int32], trainable: [Bool]? = nil) {
        self.init(
            tokens: prompt + response,
            trainable: Array(repeating: false, count: prompt.count)
                + (trainable ?? Array(repeating: true, count: response.count)))
    }
}

/// An SFT update: the mean cross-entropy over the marked tokens of a batch of samples, and one
/// ``GradientStep``.
public struct SupervisedUpdate: Sendable {
    public var step: GradientStep

    public init(step: GradientStep = GradientStep()) {
        self.step = step
    }

    /// Takes one step on `samples`: ``accumulate(model:samples:)`` from zero gradients, then the optimiser step.
    /// - Throws: ``TrainingError`` when no sample marks a token to learn, a sample's flags do not match its
    ///   tokens, or the model refuses a sample.
    public func run(model: any LanguageModel, optimizer: AdamW, learningRate: Float, samples: [SupervisedSample]) throws(TrainingError)
        -> GradientStep.Report
    {
        model.zeroGradients()
        let loss = try accumulate(model: model, samples: samples)
        return GradientStep.Report(loss: loss, gradientNorm: step.apply(model: model, optimizer: optimizer, learningRate: learningRate))
    }

    /// The forward and backward passes: adds the gradient of the mean cross-entropy over the marked tokens of
    /// `samples` to the model's; answers the loss.
    /// - Throws: ``TrainingError`` when no sample marks a token to learn, a sample's flags do not match its
    ///   tokens, or the model refuses a sample.
    public func accumulate(model: any LanguageModel, samples: [SupervisedSample]) throws(TrainingError) -> Float {
        for (i, sample) in samples.enumerated() where sample.trainable.count != sample.tokens.count {
            throw .noData("sample \(i) has \(sample.tokens.count) tokens but \(sample.trainable.count) flags")
        }
        let usable = samples.filter { $0.tokens.count >= 2 && $0.trainable.dropFirst().contains(true) }
        let count = usable.reduce(0) { $0 + $1.trainable.dropFirst().lazy.filter { $0 }.count }
        guard count > 0 else { throw .noData("none of the \(samples.count) samples marks a token to learn") }
        let scale = 1 / Float(count)
        let weights = usable.map { $0.trainable.dropFirst().map { $0 ? scale : 0 } }
        do throws(ModelError) {
            return try step.accumulate(model: model, sequences: usable.map(\.tokens), weights: weights)
        } catch {
            throw .model(error.message)
        }
    }
}
