import FulmenCore
import FulmenModel
public import FulmenTasks
import Logging

/// Supervised fine-tuning: steps of the mean cross-entropy on the response tokens of imitated episodes, the
/// task's scripted demonstrations or the best traces collected so far (``Source``). The usual warm start
/// before reinforcement learning.
///
/// ```yaml
/// sft: { steps: 400, batchSize: 32, learningRate: 0.001, demonstrator: imperfect }
/// ```
public struct SFT: Algorithm {
    public static let name = "sft"

    public var steps = 400
    /// Samples per step, drawn at random (seeded) from the pool.
    public var batchSize = 32
    public var learningRate = 1e-3
    /// What to imitate.
    public var source = Source.demonstrations
    /// Whose demonstrations (with `source: demonstrations`): the task's expert, or its imperfect
    /// demonstrator (systematic blind spots that a warm start inherits and reinforcement learning must then
    /// unlearn).
    public var demonstrator = Demonstrator.expert

    /// What a supervised phase imitates.
    public enum Source: String, Codable, Sendable, CaseIterable {
        /// The task's scripted demonstrations.
        case demonstrations
        /// The model calls of the store's successful training episodes of the task so far, from any
        /// experiment: what the policy did when it got it right (expert iteration, or distilling a run into a
        /// fresh model).
        case traces
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
        try section.update(&steps, .steps)
        try section.update(&batchSize, .batchSize)
        try section.update(&learningRate, .learningRate)
        try section.update(&source, .source)
        try section.update(&demonstrator, .demonstrator)
    }

    public func validate(in spec: ExperimentSpec) throws(SpecError) {
        try SpecError.require(steps >= 1, "steps", "must be at least 1, got \(steps)")
        try SpecError.require(batchSize >= 1, "batchSize", "must be at least 1, got \(batchSize)")
        try SpecError.require(learningRate > 0 && learningRate < 1, "learningRate", "must be in (0, 1), got \(learningRate)")
    }

    public func run(in context: ExperimentContext) async throws -> String? {
        let pool = try await samples(in: context)
        let phase = await context.phase
        while await context.step < phase.last {
            let step = try await context.beginStep()
            var random = SeededRandom(seed: context.spec.seed &* 0x9E37_79B9 &+ UInt64(step))
            let batch = (0..<batchSize).map { _ in pool[Int.random(in: 0..<pool.count, using: &random)] }
            let pass = try await context.trainer.forwardBackward(batch)
            let norm = await context.trainer.optimStep(learningRate: Float(learningRate))
            var values: [MetricName: Double] = [.sftLoss: Double(pass.loss), .gradientNorm: Double(norm)]
            if await context.isEvaluationStep {
                try await context.publishWeights()
                values[.validationSuccess] = try await context.evaluate()
            }
            try await context.report(values)
            if await context.isCheckpointStep { try await context.saveCheckpoint() }
        }
        return nil
    }

    /// The pool of samples the steps draw from.
    private func samples(in context: ExperimentContext) async throws -> [SupervisedSample] {
        let metadata: Logger.Metadata = ["experiment": "\(context.experiment.id)"]
        switch source {
        case .demonstrations:
            var pool: [SupervisedSample] = []
            for input in context.split.train {
                let demonstration = try await context.task.demonstration(
                    forEncoded: input, by: demonstrator, tokenizer: context.trainer.tokenizer)
                pool += demonstration.samples.map { SupervisedSample(tokens: $0.tokens, trainable: $0.trainable) }
            }
            context.logger.info(
                "SFT on demonstrations",
                metadata: metadata.merging(["samples": "\(pool.count)", "demonstrator": "\(demonstrator.rawValue)"]) { $1 })
            return pool
        case .traces:
            let traces = try await TraceSamples.read(in: context)
            guard !traces.samples.isEmpty else {
                let agent = context.spec.adapter.agent.map { " with calls of sub-agent \($0)" } ?? ""
                throw TrainingError.noData(
                    "SFT on traces: this store has no successful training episode of task \(context.spec.task)\(agent) yet "
                        + "(\(traces.read) succeeded rollouts read)")
            }
            context.logger.info(
                "SFT on traces",
                metadata: metadata.merging(["samples": "\(traces.samples.count)", "episodes": "\(traces.successful)"]) { $1 })
            if await context.step == 0 { try await context.report([.sftTraceEpisodes: Double(traces.successful)]) }
            return traces.samples
        }
    }
}
