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
    let store: any TrainerStore
    let compute: ComputeQueue
    let directory: URL
    let logger: Logger
    let split: TaskSplit<Data>
    private var collector: RolloutCollector
    private var state: TrainingState
    private var step: Int
    private var weightsVersion: ResourceSnapshotID
    /// The order in which this run published its weight versions, to measure staleness.
    private var publications: [ResourceSnapshotID: Int] = [:]
    private var rolloutsPlayed = 0
    private var evaluations: [(step: Int, success: Double)] = []

    /// Prepares the experiment: its split, and its model (fresh, or from its latest checkpoint).
    static func prepare(
        _ experiment: Experiment, store: any TrainerStore, dataDirectory: URL, logger: Logger
    ) async throws -> ExperimentRun {
        let spec = try ExperimentSpec.parse(yaml: String(decoding: experiment.spec, as: UTF8.self))
        let task = try BundledTasks.named(spec.task)
        let split = try task.encodedSplit(seed: spec.seed, trainCount: spec.split.train, validationCount: spec.split.validation)
        let directory = dataDirectory.appendingPathComponent(experiment.id.rawValue, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let compute = ComputeQueue(label: "fulmen.trainer.\(experiment.id)")
        let config: GPTConfig = spec.model.preset == "small" ? .small : .tiny
        guard config.contextLength >= task.contextLength else {
            throw SpecError(
                field: "model.preset",
                problem: "task \(spec.task) needs a context of \(task.contextLength) tokens; \(spec.model.preset) has \(config.contextLength)")
        }
        let threads = spec.model.threads
        let resumed = experiment.checkpoints.max { $0.step < $1.step }
        let state: TrainingState = try await compute.run {
            guard let resumed else { return TrainingState(model: try GPT(config: config, seed: spec.seed, threadCount: threads)) }
            let state = TrainingState(model: try GPT(checkpointFile: resumed.location, threadCount: threads))
            // The optimiser's moments, when they were saved with the checkpoint, so training carries on as it was.
            if let saved = FileManager.default.contents(atPath: Self.optimizerPath(for: resumed.location)) {
                try state.optimizer.restore(state: [UInt8](saved))
            }
            return state
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
        if step == 0 { try await report(["eval.success": first]) }
        if let sft = spec.sft, step < sft.steps {
            try await runSFT(sft)
        }
        if let grpo = spec.grpo, step < sftSteps + grpo.steps {
            if step == sftSteps, spec.grpo?.klCoefficient ?? 0 > 0 {
                try await compute.run { [state] in state.reference = try GPT(checkpoint: state.model.checkpoint()) }
            }
            try await runGRPO(grpo, after: sftSteps)
        }
        var found: String?
        if let search = spec.search {
            found = try await runSearch(search, after: sftSteps + (spec.grpo?.steps ?? 0))
        }
        let last = try await evaluate(force: true)
        try await saveCheckpoint()
        let minutes = (ContinuousClock.now - started).inSeconds / 60
        let warmStart = evaluations.first { $0.step == sftSteps }?.success
        var summary = "validation success \(percent(first)) → \(percent(last))"
        if let warmStart, spec.sft != nil, spec.grpo != nil { summary += " (after SFT \(percent(warmStart)))" }
        summary += ", \(step) steps, \(rolloutsPlayed) rollouts, \(String(format: "%.1f", minutes)) min"
        if let found { summary += "; \(found)" }
        return summary
    }

    // MARK: SFT

    private mutating func runSFT(_ sft: ExperimentSpec.SFTSpec) async throws {
        var pool: [SupervisedSample] = []
        switch sft.source {
        case .demonstrations:
            for input in split.train {
                let demonstration = try await task.demonstration(forEncoded: input, by: sft.demonstrator)
                pool += demonstration.samples.map { SupervisedSample(tokens: $0.tokens, trainable: $0.trainable) }
            }
            logger.info(
                "SFT on demonstrations",
                metadata: ["experiment": "\(experiment.id)", "samples": "\(pool.count)", "demonstrator": "\(sft.demonstrator.rawValue)"])
        case .traces:
            let (samples, episodes) = try await bestTraces()
            guard !samples.isEmpty else {
                let agent = spec.adapter.agent.map { " with calls of sub-agent \($0)" } ?? ""
                throw TrainingError.noData(
                    "SFT on traces: this store has no successful training episode of task \(spec.task)\(agent) yet "
                        + "(\(episodes.read) succeeded rollouts read)")
            }
            pool = samples
            logger.info(
                "SFT on traces",
                metadata: ["experiment": "\(experiment.id)", "samples": "\(pool.count)", "episodes": "\(episodes.successful)"])
            if step == 0 { try await report(["sft.trace_episodes": Double(episodes.successful)]) }
        }
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

    /// The most succeeded rollouts read for SFT on traces.
    static let maxTracesRead = 20_000

    /// The model calls of the store's successful training episodes of the task (any experiment's), as
    /// supervised samples: the prompt as context, the model's tokens to learn.
    private func bestTraces() async throws -> (samples: [SupervisedSample], episodes: (read: Int, successful: Int)) {
        let adapter = TripletAdapter(AdapterOptions(creditAssignment: .finalReward, agent: spec.adapter.agent))
        var samples: [SupervisedSample] = []
        var (read, successful) = (0, 0)
        var cursor: PageCursor?
        repeat {
            let page = try await store.rollouts(
                RolloutQuery(statuses: [.succeeded], mode: .train, task: spec.task, page: PageRequest(after: cursor, limit: 200)))
            for rollout in page.items {
                let spans = try await store.allSpans(of: rollout.id)
                guard let adapted = try? adapter.adapt(spans, of: rollout.id),
                    let reward = adapted.finalReward, task.isSuccess(reward: reward)
                else { continue }
                successful += 1
                samples += adapted.triplets.map { triplet in
                    SupervisedSample(
                        tokens: triplet.prompt + triplet.response,
                        trainable: Array(repeating: false, count: triplet.prompt.count) + triplet.trainable)
                }
            }
            read += page.items.count
            cursor = page.next
        } while cursor != nil && read < Self.maxTracesRead
        return (samples, (read, successful))
    }

    // MARK: GRPO

    private mutating func runGRPO(_ grpo: ExperimentSpec.GRPOSpec, after offset: Int) async throws {
        let learner = GroupLearner(
            adapter: TripletAdapter(spec.adapter),
            update: PolicyUpdate(objective: PolicyObjective(clipRange: grpo.clipRange, klCoefficient: grpo.klCoefficient)),
            advantages: AdvantageSettings(normalizeByStandardDeviation: grpo.normalizeAdvantages),
            learningRate: LearningRateSchedule(
                peak: Float(grpo.learningRate), minimum: Float(grpo.finalLearningRate ?? grpo.learningRate),
                totalSteps: max(grpo.steps - 1, 1)),
            epochs: grpo.epochs)
        var inFlight = RolloutGroups()
        var spans: [RolloutID: [StoredSpan]] = [:]
        if grpo.asynchronous { try await launch(grpo.problemsPerStep * 2, of: grpo, into: &inFlight) }
        while step < offset + grpo.steps {
            try await checkNotCancelled()
            step += 1
            let stepStarted = ContinuousClock.now
            var values: [String: Double] = [:]
            // Dynamic sampling: groups whose rollouts all earned the same reward teach nothing, so more
            // groups are drawn (up to four times the step's) until enough of them differ.
            var groups: [RolloutGroups.Group] = []
            var informative = 0
            repeat {
                let needed = grpo.problemsPerStep - informative
                let taken: [RolloutGroups.Group]
                if grpo.asynchronous {
                    // Train on the first groups to complete; the runners meanwhile sample the next ones.
                    taken = try await takeCompleteGroups(needed, of: grpo, from: &inFlight, values: &values)
                    try await launch(taken.count, of: grpo, into: &inFlight)
                } else {
                    try await launch(needed, of: grpo, into: &inFlight)
                    taken = try await takeCompleteGroups(needed, of: grpo, from: &inFlight, values: &values)
                }
                groups += taken
                for group in taken {
                    let uniform = grpo.dynamicSampling ? try await isUniform(group, spans: &spans) : false
                    if !uniform { informative += 1 }
                }
            } while informative < grpo.problemsPerStep && groups.count < 4 * grpo.problemsPerStep
            values["grpo.groups"] = Double(groups.count)
            let rate = learner.learningRate.rate(at: step - offset - 1)
            values["grpo.learning_rate"] = Double(rate)
            try await learn(from: groups, with: learner, learningRate: rate, spans: &spans, values: &values)
            spans.removeAll()
            try await publishWeights()
            let seconds = (ContinuousClock.now - stepStarted).inSeconds
            values["rollouts_per_s"] = Double(groups.reduce(0) { $0 + $1.settled.count }) / seconds
            values["step_seconds"] = seconds
            if (step - offset) % spec.evaluation.every == 0 { values["eval.success"] = try await evaluate() }
            try await report(values)
            if step % spec.checkpointEvery == 0 { try await saveCheckpoint() }
        }
    }

    /// Enqueues `count` groups of `groupSize` rollouts of randomly drawn training inputs, pinned to the
    /// current weights.
    ///
    /// Groups are named and drawn by the step and their order within it: a trainer resumed at this step
    /// launches the same groups of the same problems, and the store's idempotent enqueue hands back those its
    /// previous life had started, so a resumed run samples and trains as an uninterrupted one would.
    private mutating func launch(_ count: Int, of grpo: ExperimentSpec.GRPOSpec, into groups: inout RolloutGroups) async throws {
        let first = groups.launched(atStep: step)
        var random = SeededRandom(seed: spec.seed &* 0x85EB_CA6B &+ UInt64(step) &* 0x1_0000 &+ UInt64(first))
        var requests: [RolloutRequest] = []
        for index in first..<(first + count) {
            let problem = Int.random(in: 0..<split.train.count, using: &random)
            let key = "\(step)-\(index)"
            let ids = (0..<grpo.groupSize).map { RolloutID("\(experiment.id)/g\(key)/\($0)") }
            groups.add(key: key, ids: ids, version: weightsVersion, atStep: step)
            requests += ids.map { id in
                RolloutRequest(
                    id: id, task: spec.task, input: split.train[problem], mode: .train, resources: .snapshot(weightsVersion),
                    metadata: ["fulmen.temperature": String(grpo.temperature), "fulmen.step": String(step)],
                    experiment: experiment.id)
            }
        }
        try await collector.enqueue(requests)
    }

    /// Waits until `problemsPerStep` groups have settled completely and takes them, oldest first. Groups
    /// sampled with weights more than `maxStaleness` versions old are dropped (and replaced), or kept for
    /// the policy ratio to weight, as the spec says.
    private mutating func takeCompleteGroups(
        _ count: Int, of grpo: ExperimentSpec.GRPOSpec, from groups: inout RolloutGroups, values: inout [String: Double]
    ) async throws -> [RolloutGroups.Group] {
        var dropped = 0
        while true {
            while groups.completeCount < count {
                for rollout in try await collector.next() { groups.settle(rollout) }
            }
            var taken = groups.takeComplete(count)
            if grpo.staleSamples == .drop {
                let fresh = taken.filter { staleness(of: $0) <= grpo.maxStaleness }
                if fresh.count < taken.count {
                    dropped += taken.count - fresh.count
                    try await launch(taken.count - fresh.count, of: grpo, into: &groups)
                }
                taken = fresh
            }
            values["grpo.stale_dropped", default: 0] = Double(dropped)
            if !taken.isEmpty {
                let settled = taken.reduce(0) { $0 + $1.settled.count }
                rolloutsPlayed += settled
                values["grpo.rollouts", default: 0] += Double(settled)
                values["grpo.staleness"] = taken.map { Double(staleness(of: $0)) }.reduce(0, +) / Double(taken.count)
                return taken
            }
        }
    }

    /// How many of this run's weight versions came after the one the group sampled with.
    private func staleness(of group: RolloutGroups.Group) -> Int {
        (publications[weightsVersion] ?? 0) - (publications[group.version] ?? 0)
    }

    /// The spans of a settled rollout's latest attempt, read once per step.
    private func spans(of id: RolloutID, cache: inout [RolloutID: [StoredSpan]]) async throws -> [StoredSpan] {
        if let known = cache[id] { return known }
        let read = try await store.allSpans(of: id)
        cache[id] = read
        return read
    }

    /// Whether every rollout of a group earned the same final reward (a failed one counts as no reward).
    private func isUniform(_ group: RolloutGroups.Group, spans cache: inout [RolloutID: [StoredSpan]]) async throws -> Bool {
        var rewards: Set<Double?> = []
        for (id, rollout) in group.settled {
            let reward = rollout.status == .succeeded ? try? TripletAdapter.finalReward(try await spans(of: id, cache: &cache), of: id) : nil
            rewards.insert(reward ?? nil)
        }
        return rewards.count <= 1
    }

    /// One GRPO update on settled groups: spans to triplets, group-relative advantages, the clipped step.
    private mutating func learn(
        from groups: [RolloutGroups.Group], with learner: GroupLearner, learningRate: Float,
        spans cache: inout [RolloutID: [StoredSpan]], values: inout [String: Double]
    ) async throws {
        var groupOf: [RolloutID: String] = [:]
        var episodes: [(rollout: RolloutID, spans: [StoredSpan])] = []
        var failed = 0
        for group in groups {
            for (id, rollout) in group.settled {
                groupOf[id] = group.key
                if rollout.status == .succeeded { episodes.append((id, try await spans(of: id, cache: &cache))) } else { failed += 1 }
            }
        }
        let batch = learner.adapter.adapt(episodes)
        let triplets = batch.triplets
        values["grpo.failed_rollouts"] = Double(failed)
        values["grpo.unusable_rollouts"] = Double(batch.unusable.count)
        if triplets.isEmpty {
            throw TrainingError.noData(
                "step \(step): none of \(groupOf.count) rollouts gave a training sample (\(batch.unusableSummary))")
        }
        if !batch.unusable.isEmpty {
            logger.warning("unusable rollouts", metadata: ["step": "\(step)", "summary": "\(batch.unusableSummary)"])
        }
        // Each episode's outcome, not its samples' rewards (under per-call credit those are per move).
        let rewards = batch.usable.compactMap(\.finalReward)
        values["grpo.reward"] = rewards.reduce(0, +) / Double(max(rewards.count, 1))
        values["grpo.success"] = Double(rewards.filter { task.isSuccess(reward: $0) }.count) / Double(max(rewards.count, 1))
        let advantages = GroupAdvantages.compute(triplets, settings: learner.advantages) { groupOf[$0.rollout] ?? "" }
        values["grpo.uniform_groups"] = Double(advantages.uniformGroups)
        let state = self.state
        do {
            // Each epoch rescores the batch with the model as the previous epoch left it, so the ratio and
            // its clip bound how far one batch can move the policy.
            let outcome = try await compute.run {
                var last: PolicyUpdate.Report?
                for _ in 0..<learner.epochs {
                    last = try learner.update.run(
                        model: state.model, optimizer: state.optimizer, learningRate: learningRate,
                        triplets: triplets, advantages: advantages.advantages, reference: state.reference)
                }
                return last!
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
    }

    // MARK: Resource search

    /// Beam search over the candidates of `search.resource` with the current weights; publishes the best as
    /// the latest snapshot and answers a line about it. Each round is a step; a run resumed inside the search
    /// starts the search again (it changes no weights, so nothing is lost but its rollouts).
    private mutating func runSearch(_ search: ExperimentSpec.SearchSpec, after offset: Int) async throws -> String {
        step = offset
        let state = self.state
        let weights = ResourceContent(kind: .weights, data: Data(await compute.run { state.model.checkpoint() }))
        let contents = search.contents
        var snapshots: [ResourceSnapshotID] = []
        for content in contents {
            let publication = ResourcePublication(resources: [ResourceName.policy: weights, search.resource: content])
            snapshots.append(try await store.publish(publication).id)
        }
        // Sampling settings are what is searched: leave the rollouts' sampling to them; anything else is
        // judged by greedy decoding, as validation is.
        let metadata = search.resource == ResourceName.sampling ? [:] : ["fulmen.temperature": "0"]
        var tally = Array(repeating: (solved: 0, played: 0), count: contents.count)
        func rate(_ candidate: Int) -> Double { Double(tally[candidate].solved) / Double(max(1, tally[candidate].played)) }
        var alive = Array(contents.indices)
        for round in 0..<search.rounds {
            try await checkNotCancelled()
            step += 1
            let inputs = (0..<search.problems).map { split.validation[(round * search.problems + $0) % split.validation.count] }
            var owner: [RolloutID: Int] = [:]
            var requests: [RolloutRequest] = []
            for candidate in alive {
                for (i, input) in inputs.enumerated() {
                    let id = RolloutID("\(experiment.id)/search/\(round)/\(candidate)/\(i)")
                    owner[id] = candidate
                    requests.append(
                        RolloutRequest(
                            id: id, task: spec.task, input: input, mode: .val, resources: .snapshot(snapshots[candidate]),
                            metadata: metadata, experiment: experiment.id))
                }
            }
            for (id, solved) in try await successes(of: requests) {
                guard let candidate = owner[id] else { continue }
                tally[candidate].played += 1
                if solved { tally[candidate].solved += 1 }
            }
            alive = Array(alive.sorted { (rate($0), -$0) > (rate($1), -$1) }.prefix(search.beam))
            var values = ["search.best": rate(alive[0]), "search.best_candidate": Double(alive[0])]
            for candidate in contents.indices where tally[candidate].played > 0 {
                values["search.candidate_\(candidate)"] = rate(candidate)
            }
            logger.info(
                "resource search round",
                metadata: [
                    "experiment": "\(experiment.id)", "round": "\(round + 1)", "best": "\(alive[0])",
                    "success": "\(percent(rate(alive[0])))",
                ])
            try await report(values)
        }
        let best = alive[0]
        weightsVersion = snapshots[best]
        publications[snapshots[best]] = publications.count
        let value = String(decoding: contents[best].data, as: UTF8.self)
        return "\(search.resource): candidate \(best + 1) of \(contents.count) (\(value)) best, \(percent(rate(best))) on validation"
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
        let solved = try await successes(of: requests).values.filter { $0 }.count
        let success = Double(solved) / Double(max(1, requests.count))
        evaluations.append((step, success))
        logger.info(
            "validation", metadata: ["experiment": "\(experiment.id)", "step": "\(step)", "success": "\(percent(success))"])
        return success
    }

    /// Plays `requests` to their end: whether each rollout succeeded at the task (its final reward says so).
    private mutating func successes(of requests: [RolloutRequest]) async throws -> [RolloutID: Bool] {
        let settled = try await collector.run(requests)
        rolloutsPlayed += settled.count
        var outcome: [RolloutID: Bool] = [:]
        for (id, rollout) in settled {
            guard rollout.status == .succeeded else {
                outcome[id] = false
                continue
            }
            let spans = try await store.allSpans(of: id)
            let reward = try? TripletAdapter.finalReward(spans, of: id)
            outcome[id] = reward.map { task.isSuccess(reward: $0) } ?? false
        }
        return outcome
    }

    /// Publishes the current weights as a new resource snapshot, which the next rollouts pin.
    private mutating func publishWeights() async throws {
        let state = self.state
        let bytes = await compute.run { state.model.checkpoint() }
        let snapshot = try await store.publish(
            ResourcePublication(resources: [ResourceName.policy: ResourceContent(kind: .weights, data: Data(bytes))]))
        weightsVersion = snapshot.id
        publications[snapshot.id] = publications.count
    }

    /// Writes the weights (a plain model checkpoint, loadable anywhere) and, beside them, the optimiser's state.
    private func saveCheckpoint() async throws {
        let path = directory.appendingPathComponent("step-\(step).safetensors").path
        let state = self.state
        try await compute.run {
            try state.model.writeCheckpoint(toFile: path)
            try state.optimizer.writeState(toFile: Self.optimizerPath(for: path))
        }
        try await store.addCheckpoint(
            experiment.id, Checkpoint(step: step, location: path, resources: weightsVersion, createdAt: Date()))
    }

    /// Where the optimiser state of the checkpoint at `path` lives.
    private static func optimizerPath(for path: String) -> String {
        (path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path) + ".optimizer.safetensors"
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
