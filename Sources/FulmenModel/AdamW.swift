import Foundation

/// The AdamW optimizer (decoupled weight decay), with PyTorch's update rule and defaults as in the reference
/// benchmark (betas 0.9/0.95, eps 1e-8, weight decay 0.1).
///
/// Weight decay applies to the matrices and embeddings only, not to biases and LayerNorm weights, as in GPT-2
/// and nanoGPT. https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
public final class AdamW {
    /// Hyperparameters other than the learning rate, which each ``update(_:learningRate:)`` call passes.
    public struct Settings: Sendable, Hashable, Codable {
        /// Decay rate of the first moment.
        public var beta1: Float = 0.9
        /// Decay rate of the second moment.
        public var beta2: Float = 0.95
        /// Added to the denominator for stability.
        public var epsilon: Float = 1e-8
        /// Decoupled weight decay per unit learning rate.
        public var weightDecay: Float = 0.1

        /// Creates settings; every field has the reference's default.
        public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    /// The hyperparameters.
    public var settings: Settings
    /// Updates taken so far (t in the bias corrections).
    public internal(set) var stepCount = 0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    private let decayedRanges: [Range<Int>]

    /// Creates an optimizer for `model`'s trainable parameters, with zero moments.
    public init(model: some LanguageModel, settings: Settings = Settings()) {
        self.settings = settings
        firstMoment = FloatBuffer(count: model.trainableParameterCount)
        secondMoment = FloatBuffer(count: model.trainableParameterCount)
        decayedRanges = model.decayedParameterRanges
    }

    /// Takes one step on `model`'s trainable parameters using its current gradients.
    public func update(_ model: some LanguageModel, learningRate: Float) {
        precondition(
            model.trainableParameterCount == firstMoment.count, "AdamW: optimizer was made for another model shape")
        stepCount += 1
        let b1 = settings.beta1
        let b2 = settings.beta2
        let correction1 = 1 - Float(pow(Double(b1), Double(stepCount)))
        let correction2Root = Float((1 - pow(Double(b2), Double(stepCount))).squareRoot())
        let stepSize = learningRate / correction1
        let eps = settings.epsilon
        model.updateTrainableParameters { trainable in
            let p = trainable.values
            for range in decayedRanges {
                let keep = 1 - learningRate * settings.weightDecay
                for i in range { p[i] *= keep }
            }
            let g = trainable.gradients
            let m = firstMoment.base
            let v = secondMoment.base
            for i in 0..<firstMoment.count {
                let gi = g[i]
                let mi = b1 * m[i] + (1 - b1) * gi
                let vi = b2 * v[i] + (1 - b2) * gi * gi
                m[i] = mi
                v[i] = vi
                p[i] -= stepSize * mi / (vi.squareRoot() / correction2Root + eps)
            }
        }
    }
}
