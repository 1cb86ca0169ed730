import FulmenCore
import FulmenModel
import FulmenTasks
import Foundation
import Logging

/// One experiment, run to its end by a trainer: an SFT warm start on the task's demonstrations and/or GRPO
/// on rollouts the runners play, with greedy validation rollouts along the way, metrics reported to the store
/// after every step, and checkpoints written to the trainer's data directory and recorded in the store.
///
/// Steps are numbered across phases (SFT steps first, then GRPO's), so a checkpoint's step says where to
/// resume. A trainer restarted on an experiment it was running resumes from the latest checkpoint.
struct ExperimentRun {
    let experiment: Experiment
    let spec: ExperimentSpec
    let task: any BundledTask
    let store: any Store
    let compute: ComputeQueue
    let directory: URL
    let logger: Logger
    let split: TaskSplit<Data>
    private var collector: RolloutCollector
    private var state: TrainingState
    private var step: Int
    private var weightsVersion: ResourceSnapshotID
    private var rolloutsPlayed = 0
    private var evaluations: [(step: Int, success: Double)] = []

    /// Prepares the experiment: its split, and its model (fresh, or from its latest checkpoint).
    static func prepare(
        _ experiment: Experiment, store: any Store, dataDirectory: URL, logger: Logger
    ) async throws -> ExperimentRun {
        let spec = try ExperimentSpec.parse(yaml: String(decoding: experiment.spec, as: UTF8.self))
        let task = try BundledTasks.named(spec.task)
        let split = try task.encodedSplit(seed: spec.seed, trainCount: spec.split.train, validationCount: spec.split.validation)
        let directory = dataDirectory.appendingPathComponent(experiment.id.rawValue, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let compute = ComputeQueue(label: "fulmen.trainer.\(experiment.id)")
        let config: GPTConfig = spec.model.preset == "small" ? .small : .tiny
        guard config.contextLength >= task.contextLength else {
            throw TrainingError.noData(
                "task \(spec.task) needs a context of \(task.contextLength) tokens; model preset \(spec.model.preset) has \(config.contextLength)")
        }
        let threads = spec.model.threads
        let resumed = experiment.checkpoints.max { $0.step < $1.step }
        let state: TrainingState = try await compute.run {
            if let resumed {
                return TrainingState(model: try GPT(checkpointFile: resumed.location, threadCount: threads))
            }
            return TrainingState(model: try GPT(config: config, seed: spec.seed, threadCount: threads))
        }
        var run = ExperimentRun(
            experiment: experiment, spec: spec, task: task, store: store, compute: compute, directory: directory,
            logger: logger, split: split, collector: RolloutCollector(store: store, experiment: experiment.id),
            state: state, step: resumed?.step ?? 0, weightsVersion: 0)
        if let resumed {
            logger.info("resuming from checkpoint", metadata: ["experiment": "\(experiment.id)", "step": "\(resumed.step)"])
            if let sft = spec.sft, spec.grpo?.klCoefficient ?? 0 > 0, resumed.step > sft.steps,
                let warmStart = experiment.checkpoints.first(where: { $0.step == sft.steps })
            {
                try await compute.run { [state] in
                    state.reference = try GPT(checkpointFile: warmStart.location, threadCount: threads)
                }
            }
        }
        try await run.publishWeights()
        return run
    }

    /// Runs what remains of the experiment; answers a one-line summary for its final status.
    mutating func run() async throws -> String {
        let started = ContinuousClock.now
        let sftSteps = spec.sft?.steps ?? 0
        let first = try await evaluate()
        if let sft = spec.sft, step < sft.steps {
            try await runSFT(sft)
        }
        if let grpo = spec.grpo, step < sftSteps + grpo.steps {
            if step == sftSteps, spec.grpo?.klCoefficient ?? 0 > 0 {
                try await compute.run { [state] in state.reference = try GPT(checkpoint: state.model.checkpoint()) }
            }
            try await runGRPO(grpo, after: sftSteps)
        }
        let last = try await evaluate(force: true)
        try await saveCheckpoint()
        let minutes = (ContinuousClock.now - started).inSeconds / 60
        let warmStart = evaluations.first { $0.step == sftSteps }?.success
        var summary = "validation success \(percent(first)) → \(percent(last))"
        if let warmStart, spec.sft != nil, spec.grpo != nil { summary += " (after SFT \(percent(warmStart)))" }
        summary += ", \(step) steps, \(rolloutsPlayed) rollouts, \(String(format: "%.1f", minutes)) min"
        return summary
    }

    // MARK: SFT

    private mutating func runSFT(_ sft: ExperimentSpec.SFTSpec) async throws {
        var pool: [SupervisedSample] = []
        for input in split.train {
            let demonstration = try await task.demonstration(forEncoded: input)
            pool += demonstration.samples.map { SupervisedSample(tokens: $0.tokens, trainable: $0.trainable) }
        }
        logger.info("SFT on demonstrations", metadata: ["experiment": "\(experiment.id)", "samples": "\(pool.count)"])
        let update = SupervisedUpdate()
        while step < sft.steps {
            try await checkNotCancelled()
            step += 1
            var random = SeededRandom(seed: spec.seed &* 0x9E37_79B9 &+ UInt64(step))
            let batch = (0..<sft.batchSize).map { _ in pool[Int.random(in: 0..<pool.count, using: &random)] }
            let (state, rate) = (state, Float(sft.learningRate))
            let outcome = try await compute.run {
                try update.run(model: state.model, optimizer: state.optimizer, learningRate: rate, samples: batch)
            }
            var values = ["sft.loss": Double(outcome.loss), "grad_norm": Double(outcome.gradientNorm)]
            if step % spec.evaluation.every == 0 || step == sft.steps {
                try await publishWeights()
                values["eval.success"] = try await evaluate()
            }
            try await report(values)
            if step % spec.checkpointEvery == 0 || step == sft.steps { try await saveCheckpoint() }
        }
    }

    // MARK: GRPO

    private mutating func runGRPO(_ grpo: ExperimentSpec.GRPOSpec, after offset: Int) async throws {
        let adapter = TripletAdapter(spec.adapter)
        let update = PolicyUpdate(objective: PolicyObjective(clipRange: grpo.clipRange, klCoefficient: grpo.klCoefficient))
        let advantageSettings = AdvantageSettings(normalizeByStandardDeviation: grpo.normalizeAdvantages)
        while step < offset + grpo.steps {
            try await checkNotCancelled()
            step += 1
            let stepStarted = ContinuousClock.now
            var random = SeededRandom(seed: spec.seed &* 0x85EB_CA6B &+ UInt64(step))
            let problems = (0..<grpo.problemsPerStep).map { _ in Int.random(in: 0..<split.train.count, using: &random) }
            var requests: [RolloutRequest] = []
            var groupOf: [RolloutID: String] = [:]
            for (p, problem) in problems.enumerated() {
                for g in 0..<grpo.groupSize {
                    let id = RolloutID("\(experiment.id)/\(step)/\(p)/\(g)")
                    groupOf[id] = "\(p)"
                    requests.append(
                        RolloutRequest(
                            id: id, task: spec.task, input: split.train[problem], mode: .train,
                            resources: .snapshot(weightsVersion),
                            metadata: ["fulmen.temperature": String(grpo.temperature), "fulmen.step": String(step)],
                            experiment: experiment.id))
                }
            }
            let settled = try await collector.run(requests)
            rolloutsPlayed += settled.count
            let sampled = ContinuousClock.now
            var episodes: [(rollout: RolloutID, spans: [StoredSpan])] = []
            for (id, rollout) in settled where rollout.status == .succeeded {
                episodes.append((id, try await collector.spans(of: id)))
            }
            let batch = adapter.adapt(episodes)
            let triplets = batch.triplets
            var values: [String: Double] = [
                "grpo.rollouts": Double(settled.count),
                "grpo.failed_rollouts": Double(settled.count - episodes.count),
                "grpo.unusable_rollouts": Double(batch.unusable.count),
            ]
            if triplets.isEmpty {
                throw TrainingError.noData(
                    "step \(step): none of \(settled.count) rollouts gave a training sample (\(batch.unusableSummary))")
            }
            if !batch.unusable.isEmpty { logger.warning("unusable rollouts", metadata: ["step": "\(step)", "summary": "\(batch.unusableSummary)"]) }
            let rewards = Dictionary(triplets.map { ($0.rollout, $0.reward) }) { first, _ in first }
            values["grpo.reward"] = rewards.values.reduce(0, +) / Double(max(1, rewards.count))
            values["grpo.success"] = Double(rewards.values.filter { task.isSuccess(reward: $0) }.count) / Double(max(1, rewards.count))
            let advantages = GroupAdvantages.compute(triplets, settings: advantageSettings) { groupOf[$0.rollout] ?? "" }
            values["grpo.uniform_groups"] = Double(advantages.uniformGroups)
            let (state, rate) = (state, Float(grpo.learningRate))
            do {
                let outcome = try await compute.run {
                    try update.run(
                        model: state.model, optimizer: state.optimizer, learningRate: rate, triplets: triplets,
                        advantages: advantages.advantages, reference: state.reference)
                }
                values["grpo.objective"] = outcome.objective.objective
                values["grpo.kl"] = outcome.objective.kl
                values["grpo.clipped"] = outcome.objective.clippedFraction
                values["grad_norm"] = Double(outcome.step.gradientNorm)
            } catch TrainingError.noSignal {
                // Every group was all solved or all failed: nothing to learn from this batch. Counted, not hidden.
                values["grpo.skipped"] = 1
                logger.info("step without signal: every group's rewards were equal", metadata: ["step": "\(step)"])
            }
            try await publishWeights()
            let finished = ContinuousClock.now
            values["rollouts_per_s"] = Double(settled.count) / (sampled - stepStarted).inSeconds
            values["step_seconds"] = (finished - stepStarted).inSeconds
            if (step - offset) % spec.evaluation.every == 0 { values["eval.success"] = try await evaluate() }
            try await report(values)
            if step % spec.checkpointEvery == 0 { try await saveCheckpoint() }
        }
    }

    // MARK: Evaluation, weights, checkpoints, metrics

    /// Greedy validation success of the current weights, from rollouts the runners play; recorded once per step.
    @discardableResult
    private mutating func evaluate(force: Bool = false) async throws -> Double {
        if !force, let done = evaluations.last, done.step == step { return done.success }
        let inputs = split.validation.prefix(spec.evaluation.problems)
        let requests = inputs.enumerated().map { i, input in
            RolloutRequest(
                id: RolloutID("\(experiment.id)/eval/\(step)/\(i)/\(evaluations.count)"), task: spec.task, input: input,
                mode: .val, resources: .snapshot(weightsVersion), metadata: ["fulmen.temperature": "0"],
                experiment: experiment.id)
        }
        let settled = try await collector.run(requests)
        rolloutsPlayed += settled.count
        var solved = 0
        for (id, rollout) in settled where rollout.status == .succeeded {
            let spans = try await collector.spans(of: id)
            if let reward = try? TripletAdapter.finalReward(spans, of: id), task.isSuccess(reward: reward) {
                solved += 1
            }
        }
        let success = Double(solved) / Double(max(1, requests.count))
        evaluations.append((step, success))
        logger.info(
            "validation", metadata: ["experiment": "\(experiment.id)", "step": "\(step)", "success": "\(percent(success))"])
        return success
    }

    /// Publishes the current weights as a new resource snapshot, which the next rollouts pin.
    private mutating func publishWeights() async throws {
        let state = self.state
        let bytes = await compute.run { state.model.checkpoint() }
        let snapshot = try await store.publish(
            ResourcePublication(resources: [ResourceName.policy: ResourceContent(kind: .weights, data: Data(bytes))]))
        weightsVersion = snapshot.id
    }

    private func saveCheckpoint() async throws {
        let path = directory.appendingPathComponent("step-\(step).safetensors").path
        let state = self.state
        try await compute.run { try state.model.writeCheckpoint(toFile: path) }
        try await store.addCheckpoint(
            experiment.id, Checkpoint(step: step, location: path, resources: weightsVersion, createdAt: Date()))
    }

    private func report(_ values: [String: Double]) async throws {
        try await store.reportMetrics(experiment.id, [MetricPoint(step: step, time: Date(), values: values)])
    }

    /// Stops the run when someone cancelled the experiment.
    private func checkNotCancelled() async throws {
        if try await store.experiment(experiment.id).status == .cancelled { throw CancellationError() }
    }

    private func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}
