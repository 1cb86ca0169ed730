import Foundation

/// GRPO's clipped policy-ratio objective with an optional KL penalty to a reference model, expressed as a
/// weight on each response token's log-probability.
///
/// For a token with advantage A, current log-probability `log π`, sampling log-probability `log π_old`
/// and ratio r = π / π_old, the objective to maximise is `min(r·A, clip(r, 1−ε, 1+ε)·A) − β·KL`, with the
/// KL estimated per token as `k3 = exp(log π_ref − log π) − (log π_ref − log π) − 1`. Its gradient with
/// respect to `log π` is `w = A·r` where the clip does not bind (0 where it does) minus `β·(1 − π_ref/π)`.
/// Training the model on the loss `Σ w·(−log π)`, with w held fixed, therefore takes exactly the
/// objective's gradient step; every weight is divided by the batch's trainable token count (a token-level
/// mean, so long and short responses count per token).
public struct PolicyObjective: Codable, Sendable, Equatable {
    /// ε: how far the ratio may move from 1 before the clip stops the gradient.
    public var clipRange: Double
    /// β: the weight of the KL penalty to the reference model; 0 turns it off.
    public var klCoefficient: Double

    public init(clipRange: Double = 0.2, klCoefficient: Double = 0) {
        self.clipRange = clipRange
        self.klCoefficient = klCoefficient
    }

    /// One sample's tokens as the objective sees them, aligned with the predicted tokens of
    /// `prompt + response` (position t predicts token t + 1).
    public struct Sample: Sendable, Equatable {
        public var advantage: Double
        /// Whether each predicted token is trained (response tokens the model made).
        public var trainable: [Bool]
        /// Log-probabilities at sampling time, current, and under the reference model (when there is one),
        /// one per predicted token; entries where `trainable` is false are ignored.
        public var sampled: [Float]
        public var current: [Float]
        public var reference: [Float]?

        public init(advantage: Double, trainable: [Bool], sampled: [Float], current: [Float], reference: [Float]?) {
            self.advantage = advantage
            self.trainable = trainable
            self.sampled = sampled
            self.current = current
            self.reference = reference
        }
    }

    /// The weights to train on, and what the objective measured.
    public struct Weights: Sendable, Equatable {
        /// One list per sample, one weight per predicted token.
        public var weights: [[Float]]
        /// The objective's value (to maximise): the mean clipped surrogate minus β times the mean KL.
        public var objective: Double
        /// The mean KL estimate to the reference, 0 without one.
        public var kl: Double
        /// The fraction of trained tokens whose ratio the clip held.
        public var clippedFraction: Double
        /// The mean ratio π / π_old over trained tokens: 1 when training on what the current model sampled.
        public var meanRatio: Double
        public var trainedTokens: Int
    }

    /// The per-token weights for `samples`.
    public func weights(for samples: [Sample]) -> Weights {
        let tokens = samples.reduce(0) { $0 + $1.trainable.lazy.filter { $0 }.count }
        let scale = tokens == 0 ? 0 : 1 / Double(tokens)
        var result = Weights(weights: [], objective: 0, kl: 0, clippedFraction: 0, meanRatio: 0, trainedTokens: tokens)
        var surrogate = 0.0
        var clipped = 0
        for sample in samples {
            var weights = [Float](repeating: 0, count: sample.trainable.count)
            for t in sample.trainable.indices where sample.trainable[t] {
                let ratio = exp(Double(sample.current[t] - sample.sampled[t]))
                let a = sample.advantage
                let bounded = min(max(ratio, 1 - clipRange), 1 + clipRange)
                let held = a >= 0 ? ratio > 1 + clipRange : ratio < 1 - clipRange
                surrogate += min(ratio * a, bounded * a)
                result.meanRatio += ratio
                var weight = held ? 0 : a * ratio
                if held { clipped += 1 }
                if let reference = sample.reference, klCoefficient > 0 {
                    let delta = Double(reference[t] - sample.current[t])
                    result.kl += exp(delta) - delta - 1
                    weight -= klCoefficient * (1 - exp(delta))
                }
                weights[t] = Float(weight * scale)
            }
            result.weights.append(weights)
        }
        if tokens > 0 {
            result.kl *= scale
            result.meanRatio *= scale
            result.objective = surrogate * scale - klCoefficient * result.kl
            result.clippedFraction = Double(clipped) * scale
        }
        return result
    }
}
