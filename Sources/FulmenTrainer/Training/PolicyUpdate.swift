public import FulmenCore
public import FulmenModel
public import FulmenPolicy

/// A GRPO update: triplets with their advantages, rescored by the current (and reference) model, weighted
/// by ``PolicyObjective``, and one ``GradientStep``.
public struct PolicyUpdate: Sendable {
    public var objective: PolicyObjective
    public var step: GradientStep

    public init(objective: PolicyObjective = PolicyObjective(), step: GradientStep = GradientStep()) {
        self.objective = objective
        self.step = step
    }

    /// What an update did.
    public struct Report: Sendable, Equatable {
        public var objective: PolicyObjective.Weights
        public var step: GradientStep.Report
        /// Triplets trained on (those with a non-zero advantage, or all of them under a KL penalty).
        public var samples: Int
    }

    /// Takes one step on `triplets` (advantages aligned with them): ``accumulate(model:triplets:advantages:reference:)``
    /// from zero gradients, then the optimiser step.
    /// - Throws: ``TrainingError`` when there is nothing to train on, or the model refuses a sample (one longer
    ///   than its context, say).
    public func run(
        model: any LanguageModel, optimizer: AdamW, learningRate: Float, triplets: [Triplet], advantages: [Double],
        reference: PolicyReference? = nil
    ) throws(TrainingError) -> Report {
        model.zeroGradients()
        let (weights, loss, samples) = try accumulate(
            model: model, triplets: triplets, advantages: advantages, reference: reference)
        let norm = step.apply(model: model, optimizer: optimizer, learningRate: learningRate)
        return Report(objective: weights, step: GradientStep.Report(loss: loss, gradientNorm: norm), samples: samples)
    }

    /// The forward and backward passes of an update: rescores `triplets` with the current (and reference)
    /// model, weights each response token by ``PolicyObjective``, and adds the gradient to the model's.
    /// Answers the objective's weights, the loss and the triplets trained on.
    /// - Throws: ``TrainingError`` when there is nothing to train on, or the model refuses a sample.
    public func accumulate(
        model: any LanguageModel, triplets: [Triplet], advantages: [Double], reference: PolicyReference? = nil
    ) throws(TrainingError) -> (weights: PolicyObjective.Weights, loss: Float, samples: Int) {
        precondition(triplets.count == advantages.count, "one advantage per triplet")
        let penalised = objective.klCoefficient > 0 && reference != nil
        let chosen = triplets.indices.filter { penalised || advantages[$0] != 0 }
        guard !chosen.isEmpty else { throw .noSignal(triplets: triplets.count) }
        let sequences = chosen.map { triplets[$0].prompt + triplets[$0].response }
        let current: [[Float]]
        let referenced: [[Float]]?
        do throws(ModelError) {
            current = try model.logProbabilities(of: sequences)
            referenced = penalised ? try reference!.logProbabilities(of: sequences) : nil
        } catch {
            throw .model(error.message)
        }
        let samples = chosen.enumerated().map { k, i in
            let triplet = triplets[i]
            let offset = triplet.prompt.count - 1
            var trainable = [Bool](repeating: false, count: sequences[k].count - 1)
            var sampled = [Float](repeating: 0, count: sequences[k].count - 1)
            for j in triplet.response.indices {
                trainable[offset + j] = triplet.trainable[j]
                sampled[offset + j] = triplet.logProbabilities[j]
            }
            return PolicyObjective.Sample(
                advantage: advantages[i], trainable: trainable, sampled: sampled, current: current[k],
                reference: referenced?[k])
        }
        let weights = objective.weights(for: samples)
        guard weights.trainedTokens > 0 else { throw .noSignal(triplets: triplets.count) }
        do throws(ModelError) {
            let loss = try step.accumulate(model: model, sequences: sequences, weights: weights.weights)
            return (weights, loss, chosen.count)
        } catch {
            throw .model(error.message)
        }
    }
}

/// Why a training step could not be taken.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every sample had advantage 0 (each group's rewards were all equal) and there is no KL term.
    case noSignal(triplets: Int)
    /// No samples at all.
    case noData(String)
    /// The model refused the batch.
    case model(String)

    public var description: String {
        switch self {
        case .noSignal(let count):
            "no usable training signal: all \(count) samples have advantage 0 (every group's rewards were equal)"
        case .noData(let reason): "no training data: \(reason)"
        case .model(let message): "the policy model refused the batch: \(message)"
        }
    }
}
