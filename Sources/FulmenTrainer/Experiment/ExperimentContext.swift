public import FulmenCore
public import FulmenTasks
public import Foundation
public import Logging

/// What every phase of an experiment shares, and the services an ``Algorithm`` takes its steps through: the
/// step counter, the policy (``trainer``) and the publication of its weights, rollouts played by the
/// runners, evaluation, checkpoints and metrics.
///
/// One context serves one experiment run by one trainer, phase after phase; its state is the run's, so a
/// resumed trainer builds it again from the latest checkpoint.
public actor ExperimentContext {
    /// The experiment, as the store gave it to the trainer.
    public nonisolated let experiment: Experiment
    public nonisolated let spec: ExperimentSpec
    /// The task's environment: its demonstrators, success measure and context length.
    public nonisolated let task: any BundledTask
    /// The task's training and validation inputs (JSON, as rollouts carry them).
    public nonisolated let split: TaskSplit<Data>
    /// The store, for what the services below do not cover.
    public nonisolated let store: any TrainerStore
    /// The policy: gradient passes and optimiser steps, run on a thread of its own.
    public nonisolated let trainer: PolicyTrainer
    public nonisolated let logger: Logger
    /// Where this experiment's checkpoints are written.
    public nonisolated let directory: URL

    /// The last step taken (0 before the first): steps are numbered across phases.
    public private(set) var step: Int
    /// The steps of the phase running now.
    public private(set) var phase: PhaseSteps
    /// The resource snapshot holding the weights that new rollouts pin.
    public private(set) var weightsVersion: ResourceSnapshotID = 0
    /// The order in which this run published its weight versions, to measure staleness.
    private var publications: [ResourceSnapshotID: Int] = [:]
    /// Rollouts played to their end for this run so far.
    public private(set) var rolloutsPlayed = 0
    /// Validation success by step and weights version, in the order measured.
    public private(set) var evaluations: [Evaluation] = []
    private let collector: RolloutCollector
    private var lastCheckpoint: Int?

    /// One validation measurement.
    public struct Evaluation: Sendable, Equatable {
        public var step: Int
        public var weightsVersion: ResourceSnapshotID
        public var success: Double
    }

    init(
        experiment: Experiment, spec: ExperimentSpec, task: any BundledTask, split: TaskSplit<Data>, store: any TrainerStore,
        trainer: PolicyTrainer, directory: URL, logger: Logger, step: Int
    ) {
        self.experiment = experiment
        self.spec = spec
        self.task = task
        self.split = split
        self.store = store
        self.trainer = trainer
        self.directory = directory
        self.logger = logger
        self.step = step
        self.phase = PhaseSteps(index: 0, first: 1, count: spec.phases.first?.steps ?? 0)
        self.collector = RolloutCollector(store: store, experiment: experiment.id)
        self.lastCheckpoint = experiment.checkpoints.map(\.step).max()
    }

    // MARK: Steps

    /// Starts the next step, unless someone cancelled the experiment; answers its number.
    /// - Throws: `CancellationError` when the experiment was cancelled.
    public func beginStep() async throws -> Int {
        if try await store.experiment(experiment.id).status == .cancelled { throw CancellationError() }
        step += 1
        return step
    }

    /// Whether the step just taken is one of the phase's evaluation steps (every `evaluation.every` steps of
    /// the phase, and its last).
    public var isEvaluationStep: Bool { phase.index(of: step) % spec.evaluation.every == 0 || step == phase.last }

    /// Whether the step just taken is one of the experiment's checkpoint steps (every `checkpointEvery`).
    public var isCheckpointStep: Bool { step % spec.checkpointEvery == 0 }

    /// Makes `steps` the phase running now.
    func enter(_ steps: PhaseSteps) { phase = steps }

    /// Moves the step counter to `step`: back, for a phase that starts over when resumed (a search changes no
    /// weights), or on to a phase's last step, for one that ended before taking all its steps.
    public func move(to step: Int) { self.step = step }

    // MARK: Metrics

    /// Reports the step's figures to the store (what `fulmen watch` shows).
    public func report(_ values: [MetricName: Double]) async throws {
        let point = MetricPoint(
            step: step, time: Date(), values: Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) }))
        try await store.reportMetrics(experiment.id, [point])
    }

    // MARK: Evaluation

    /// Greedy validation success of the current weights, from `evaluation.problems` validation rollouts the
    /// runners play; measured once per step and weights version.
    @discardableResult
    public func evaluate() async throws -> Double {
        if let done = evaluations.last, done.step == step, done.weightsVersion == weightsVersion { return done.success }
        let requests = split.validation.prefix(spec.evaluation.problems).enumerated().map { i, input in
            request(
                RolloutID("\(experiment.id)/eval/\(step)/\(i)/\(evaluations.count)"), input: input, mode: .val,
                snapshot: weightsVersion, metadata: [RolloutMetadata.temperature: "0"])
        }
        let solved = try await successes(of: requests).values.filter { $0 }.count
        let success = Double(solved) / Double(max(1, requests.count))
        evaluations.append(Evaluation(step: step, weightsVersion: weightsVersion, success: success))
        logger.info(
            "validation",
            metadata: ["experiment": "\(experiment.id)", "step": "\(step)", "success": "\(Self.percent(success))"])
        return success
    }

    /// `0.875` as `87.5%`.
    public static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }

    // MARK: Weights

    /// Publishes the current weights as a new resource snapshot, which the next rollouts pin.
    public func publishWeights() async throws {
        let bytes = try await trainer.checkpoint()
        let snapshot = try await store.publish(
            ResourcePublication(resources: [ResourceName.policy: ResourceContent(kind: .weights, data: Data(bytes))]))
        adopt(snapshot.id)
    }

    /// Makes `snapshot` (published by the caller) the one new rollouts pin, as if its weights were published.
    public func adopt(_ snapshot: ResourceSnapshotID) {
        weightsVersion = snapshot
        publications[snapshot] = publications.count
    }

    /// How many of this run's weight versions came after `version`.
    public func staleness(of version: ResourceSnapshotID) -> Int {
        (publications[weightsVersion] ?? 0) - (publications[version] ?? 0)
    }

    // MARK: Checkpoints

    /// Writes the weights and the optimiser's state to the experiment's folder and records the checkpoint in
    /// the store; once per step.
    public func saveCheckpoint() async throws {
        guard lastCheckpoint != step else { return }
        let path = directory.appendingPathComponent("step-\(step).safetensors").path
        try await trainer.saveState(to: path)
        try await store.addCheckpoint(
            experiment.id, Checkpoint(step: step, location: path, resources: weightsVersion, createdAt: Date()))
        lastCheckpoint = step
    }

    /// The checkpoint recorded at `step`, if any (this run's or an earlier life's).
    public func checkpoint(atStep step: Int) async throws -> Checkpoint? {
        try await store.experiment(experiment.id).checkpoints.last { $0.step == step }
    }

    // MARK: Rollouts

    /// Enqueues rollouts of this experiment; what settles comes back through ``nextSettled()``.
    public func enqueue(_ requests: [RolloutRequest]) async throws { try await collector.enqueue(requests) }

    /// The experiment's rollouts that settled since the last call (a long poll while none has).
    public func nextSettled() async throws -> [Rollout] {
        let settled = try await collector.next()
        rolloutsPlayed += settled.count
        return settled
    }

    /// Enqueues `requests` and waits until each has settled; answers them by id.
    public func play(_ requests: [RolloutRequest]) async throws -> [RolloutID: Rollout] {
        let settled = try await collector.run(requests)
        rolloutsPlayed += settled.count
        return settled
    }

    /// Plays `requests` to their end: whether each rollout succeeded at the task (its final reward says so).
    public func successes(of requests: [RolloutRequest]) async throws -> [RolloutID: Bool] {
        var outcome: [RolloutID: Bool] = [:]
        for (id, rollout) in try await play(requests) {
            guard rollout.status == .succeeded else {
                outcome[id] = false
                continue
            }
            let reward = try? TripletAdapter.finalReward(try await store.allSpans(of: id), of: id)
            outcome[id] = reward.map { task.isSuccess(reward: $0) } ?? false
        }
        return outcome
    }

    /// A rollout request of this experiment for the task.
    public nonisolated func request(
        _ id: RolloutID, input: Data, mode: RolloutMode, snapshot: ResourceSnapshotID, metadata: [String: String] = [:]
    ) -> RolloutRequest {
        RolloutRequest(
            id: id, task: spec.task, input: input, mode: mode, resources: .snapshot(snapshot), metadata: metadata,
            experiment: experiment.id)
    }
}

/// The steps one phase of an experiment takes, in the experiment's numbering.
public struct PhaseSteps: Sendable, Equatable {
    /// The phase's place in the spec, from 0.
    public var index: Int
    /// Its first step.
    public var first: Int
    /// How many steps it takes.
    public var count: Int

    /// Its last step.
    public var last: Int { first + count - 1 }
    /// The steps before it.
    public var offset: Int { first - 1 }
    /// `step`'s place within the phase, from 1.
    public func index(of step: Int) -> Int { step - offset }
}
