import FulmenCore
import FulmenTrainer

/// REINFORCE with a leave-one-out baseline (RLOO): per step, `samples` rollouts of each of `problemsPerStep`
/// training inputs; each rollout's advantage is its final reward minus the mean of the other rollouts of the
/// same input, and one policy-gradient step weighs every token of its model calls by that advantage.
///
/// Unlike GRPO it neither divides by the group's spread nor takes several epochs per batch, and it always
/// waits for its own rollouts (no asynchronous sampling). Its one gradient pass is on-policy, where the
/// clipped ratio of ``PolicyObjective`` is 1 and its gradient is REINFORCE's: `A · ∇ log p`.
struct Reinforce: Algorithm {
    static let name = "reinforce"

    var steps = 10
    var problemsPerStep = 8
    /// Rollouts per input (at least 2: each one's baseline is the others' mean).
    var samples = 4
    var learningRate = 1e-4
    /// The runners' sampling temperature.
    var temperature = 1.0

    init() {}

    init(from decoder: any Decoder) throws {
        self.init()
        let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
        try section.update(&steps, .steps)
        try section.update(&problemsPerStep, .problemsPerStep)
        try section.update(&samples, .samples)
        try section.update(&learningRate, .learningRate)
        try section.update(&temperature, .temperature)
    }

    func validate(in spec: ExperimentSpec) throws(SpecError) {
        try SpecError.require(steps >= 1, "steps", "must be at least 1, got \(steps)")
        try SpecError.require(problemsPerStep >= 1, "problemsPerStep", "must be at least 1, got \(problemsPerStep)")
        try SpecError.require(samples >= 2, "samples", "must be at least 2 (the baseline is the others' mean), got \(samples)")
        try SpecError.require(learningRate > 0 && learningRate < 1, "learningRate", "must be in (0, 1), got \(learningRate)")
        try SpecError.require(temperature > 0, "temperature", "must be above 0, got \(temperature)")
    }

    func run(in context: ExperimentContext) async throws -> String? {
        let phase = await context.phase
        let adapter = TripletAdapter(context.spec.adapter)
        while await context.step < phase.last {
            let step = try await context.beginStep()
            // Rollouts are named by step, input and sample, so a resumed trainer asks for the same ones again.
            let version = await context.weightsVersion
            var requests: [RolloutRequest] = []
            for problem in 0..<problemsPerStep {
                let input = (step * problemsPerStep + problem) % context.split.train.count
                for sample in 0..<samples {
                    requests.append(
                        context.request(
                            RolloutID("\(context.experiment.id)/reinforce/\(step)/\(problem)/\(sample)"),
                            input: context.split.train[input], mode: .train, snapshot: version,
                            metadata: [RolloutMetadata.temperature: String(temperature)]))
                }
            }
            let settled = try await context.play(requests)
            // Each rollout's reward: its episode's final reward, 0 when it failed or gave no sample.
            var reward: [RolloutID: Double] = [:]
            var triplets: [Triplet] = []
            for request in requests {
                guard let id = request.id, settled[id]?.status == .succeeded,
                    let adapted = try? adapter.adapt(try await context.store.allSpans(of: id), of: id)
                else { continue }
                reward[id] = adapted.finalReward ?? 0
                triplets += adapted.triplets
            }
            // The leave-one-out baseline, within each input's rollouts.
            var advantage: [RolloutID: Double] = [:]
            for group in stride(from: 0, to: requests.count, by: samples) {
                let ids = requests[group..<(group + samples)].compactMap(\.id)
                let total = ids.reduce(0) { $0 + (reward[$1] ?? 0) }
                for id in ids { advantage[id] = (reward[id] ?? 0) - (total - (reward[id] ?? 0)) / Double(samples - 1) }
            }
            let meanReward = requests.compactMap(\.id).reduce(0) { $0 + (reward[$1] ?? 0) } / Double(requests.count)
            var values: [MetricName: Double] = [MetricName("reinforce.reward"): meanReward]
            do {
                let pass = try await context.trainer.forwardBackward(
                    triplets, advantages: triplets.map { advantage[$0.rollout] ?? 0 },
                    objective: PolicyObjective(clipRange: 0.2, klCoefficient: 0))
                values[.gradientNorm] = Double(await context.trainer.optimStep(learningRate: Float(learningRate)))
                values[MetricName("reinforce.samples")] = Double(pass.samples)
            } catch {
                guard case .noSignal = error else { throw error }
                values[MetricName("reinforce.skipped")] = 1  // every rollout earned its baseline: no step
            }
            try await context.publishWeights()
            if await context.isEvaluationStep { values[.validationSuccess] = try await context.evaluate() }
            try await context.report(values)
            if await context.isCheckpointStep { try await context.saveCheckpoint() }
        }
        return nil
    }
}
