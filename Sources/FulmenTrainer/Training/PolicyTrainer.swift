public import FulmenCore
public import FulmenModel
import Foundation

/// The policy being trained, behind the four operations every learning algorithm is made of, in the manner
/// of the Tinker API: ``forwardBackward(_:advantages:objective:)`` (or the supervised
/// ``forwardBackward(_:)``) adds a batch's gradient, ``optimStep(learningRate:maxGradientNorm:)`` applies
/// what was added, ``saveState(to:)`` and ``loadState(from:)`` keep weights and optimiser across restarts.
///
/// Several `forwardBackward` calls before one `optimStep` add up, so a batch may be split (a data-parallel
/// trainer adds the members' gradients between the two). All model work runs in order on the trainer's own
/// ``ComputeQueue``, never on Swift's cooperative pool.
public final class PolicyTrainer: Sendable {
    let state: TrainingState
    let compute: ComputeQueue
    /// The threads the model's passes use.
    public let threads: Int

    /// A trainer of `model`, its gradients zeroed and a fresh optimiser.
    public init(model: GPT, threads: Int, label: String) {
        model.zeroGradients()
        state = TrainingState(model: model)
        compute = ComputeQueue(label: label)
        self.threads = threads
    }

    /// What one forward and backward pass did.
    public struct PassReport: Sendable, Equatable {
        /// The loss whose gradient was added.
        public var loss: Float
        /// How the policy objective weighted the tokens (nil for a supervised pass).
        public var objective: PolicyObjective.Weights?
        /// Samples the pass trained on.
        public var samples: Int
    }

    /// Adds the gradient of the clipped policy objective (and its KL penalty toward the reference, if one is
    /// set) over `triplets`, each with its advantage.
    /// - Throws: ``TrainingError`` when no sample carries a signal or the model refuses one.
    public func forwardBackward(
        _ triplets: [Triplet], advantages: [Double], objective: PolicyObjective
    ) async throws(TrainingError) -> PassReport {
        let state = self.state
        return try await compute.run { () throws(TrainingError) -> PassReport in
            let (weights, loss, samples) = try PolicyUpdate(objective: objective).accumulate(
                model: state.model, triplets: triplets, advantages: advantages, reference: state.reference)
            return PassReport(loss: loss, objective: weights, samples: samples)
        }
    }

    /// Adds the gradient of the mean cross-entropy over the marked tokens of `samples`.
    /// - Throws: ``TrainingError`` when no sample marks a token to learn or the model refuses one.
    public func forwardBackward(_ samples: [SupervisedSample]) async throws(TrainingError) -> PassReport {
        let state = self.state
        return try await compute.run { () throws(TrainingError) -> PassReport in
            let loss = try SupervisedUpdate().accumulate(model: state.model, samples: samples)
            return PassReport(loss: loss, objective: nil, samples: samples.count)
        }
    }

    /// Applies the gradient added since the last step: its global norm clipped to `maxGradientNorm`, then
    /// AdamW at `learningRate`; the gradient is then zeroed. Answers the norm before clipping.
    @discardableResult
    public func optimStep(learningRate: Float, maxGradientNorm: Float = GradientStep().maxGradientNorm) async -> Float {
        let state = self.state
        return await compute.run {
            GradientStep(maxGradientNorm: maxGradientNorm).apply(
                model: state.model, optimizer: state.optimizer, learningRate: learningRate)
        }
    }

    /// The log-probability the current weights give each token of each sequence after its first.
    /// - Throws: ``ModelError`` when a sequence does not fit the model.
    public func logProbabilities(of sequences: [[Int32]]) async throws(ModelError) -> [[Float]] {
        let state = self.state
        return try await compute.run { () throws(ModelError) -> [[Float]] in try state.model.logProbabilities(of: sequences) }
    }

    /// The weights as a safetensors checkpoint, as runners load them.
    public func checkpoint() async -> [UInt8] {
        let state = self.state
        return await compute.run { state.model.checkpoint() }
    }

    /// Writes the weights to `path` (a plain model checkpoint, loadable anywhere) and the optimiser's moments
    /// and step count beside them (``optimizerPath(for:)``), so a trainer that loads both trains on exactly
    /// as this one would.
    public func saveState(to path: String) async throws {
        let state = self.state
        try await compute.run {
            try state.model.writeCheckpoint(toFile: path)
            try state.optimizer.writeState(toFile: Self.optimizerPath(for: path))
        }
    }

    /// Loads weights from the checkpoint at `path`, and the optimiser's state when it was saved beside them.
    /// - Throws: ``ModelError`` when the checkpoint does not fit this model or is damaged.
    public func loadState(from path: String) async throws {
        let state = self.state
        let threads = self.threads
        try await compute.run {
            state.model = try GPT(checkpointFile: path, threadCount: threads)
            state.optimizer = AdamW(model: state.model)
            if let saved = FileManager.default.contents(atPath: Self.optimizerPath(for: path)) {
                try state.optimizer.restore(state: [UInt8](saved))
            }
        }
    }

    /// Freezes a copy of the current weights, or those of the checkpoint at `path`, as the reference the KL
    /// penalty keeps the policy near.
    public func setReference(fromCheckpoint path: String? = nil) async throws {
        let state = self.state
        let threads = self.threads
        try await compute.run {
            state.reference =
                try path.map { try GPT(checkpointFile: $0, threadCount: threads) }
                ?? GPT(checkpoint: state.model.checkpoint())
        }
    }

    /// Where the optimiser state of the checkpoint at `path` lives.
    public static func optimizerPath(for path: String) -> String {
        (path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path) + ".optimizer.safetensors"
    }
}
