public import FulmenCore
public import FulmenModel
public import FulmenPolicy
import Foundation
public import Tokenizers

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
    /// The policy model's tokenizer.
    public let tokenizer: any TextTokenizer
    /// The policy model's name (``TrainablePolicy/name``).
    public let modelName: String

    private init(state: TrainingState, compute: ComputeQueue, threads: Int) {
        state.model.zeroGradients()
        self.state = state
        self.compute = compute
        self.threads = threads
        tokenizer = state.policy.tokenizer
        modelName = state.policy.name
    }

    /// A trainer of the policy `choice` names (see ``TrainablePolicy/make(_:seed:threads:)``), made on the
    /// trainer's own queue (reading a pretrained model takes seconds), with a fresh optimiser.
    /// - Throws: ``PolicyError`` naming what failed.
    public static func make(_ choice: PolicyModelChoice, seed: UInt64, threads: Int, label: String) async throws(PolicyError)
        -> PolicyTrainer
    {
        let compute = ComputeQueue(label: label)
        let state = try await compute.run { () throws(PolicyError) -> TrainingState in
            TrainingState(policy: try TrainablePolicy.make(choice, seed: seed, threads: threads))
        }
        return PolicyTrainer(state: state, compute: compute, threads: threads)
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

    /// The weights as runners load them (``TrainablePolicy/weights()``): the whole model, or only its adapters.
    public func checkpoint() async throws -> [UInt8] {
        let state = self.state
        return try await compute.run { () throws(PolicyError) in try state.policy.weights() }
    }

    /// Writes the weights to `path` (as ``checkpoint()`` gives them: a GPT's is a plain model checkpoint, loadable
    /// anywhere) and the optimiser's moments and step count beside them (``optimizerPath(for:)``), so a trainer
    /// that loads both trains on exactly as this one would.
    public func saveState(to path: String) async throws {
        let state = self.state
        try await compute.run {
            try Data(try state.policy.weights()).write(to: URL(fileURLWithPath: path), options: .atomic)
            try state.optimizer.writeState(toFile: Self.optimizerPath(for: path))
        }
    }

    /// Loads weights from the checkpoint at `path`, and the optimiser's state when it was saved beside them.
    /// - Throws: ``PolicyError`` when the checkpoint does not fit this policy or is damaged.
    public func loadState(from path: String) async throws {
        let state = self.state
        try await compute.run {
            try state.policy.restore(weights: try Self.read(path))
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
        try await compute.run {
            state.reference = try state.policy.reference(weights: try path.map(Self.read))
        }
    }

    /// The bytes of the checkpoint at `path`.
    private static func read(_ path: String) throws(PolicyError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidWeights(reason: "cannot read the checkpoint \(path)")
        }
        return [UInt8](data)
    }

    /// Where the optimiser state of the checkpoint at `path` lives.
    public static func optimizerPath(for path: String) -> String {
        (path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path) + ".optimizer.safetensors"
    }
}
