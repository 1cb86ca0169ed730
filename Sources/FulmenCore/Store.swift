public import Distributed
public import Foundation

/// The hub every Fulmen process talks to: the rollout queue and its attempts, spans, resources,
/// workers and experiments. Processes call it through this protocol only, so none of them links
/// the store's implementation. Its errors are `StoreError`s.
///
/// The store is reached under the well-known name `StoreName.wellKnown`.
@Resolvable
public protocol Store: DistributedActor where ActorSystem: DistributedActorSystem<any Codable> {
    // MARK: Rollouts

    /// Adds rollouts to the queue, in order, and answers a receipt for each; an id already
    /// enqueued changes nothing (its receipt says `created: false`).
    distributed func enqueue(_ requests: [RolloutRequest]) async throws -> [EnqueueReceipt]

    /// Claims up to `request.limit` queued rollouts for a registered worker, starting an attempt
    /// at each. Waits up to `request.wait` for work when none is queued.
    distributed func dequeue(_ request: DequeueRequest) async throws -> [Claim]

    /// Tells that a claimed attempt's episode has started.
    distributed func markRunning(_ attempt: AttemptID) async throws -> ReportAnswer

    /// Tells that a worker is still at an attempt.
    distributed func heartbeat(_ attempt: AttemptID) async throws -> ReportAnswer

    /// Files spans under an attempt, numbering them in order. Counts as a heartbeat.
    distributed func addSpans(_ spans: [Span], to attempt: AttemptID) async throws -> SpanReceipt

    /// Ends an attempt; if it is its rollout's latest, settles or requeues the rollout.
    distributed func complete(_ attempt: AttemptID, _ outcome: AttemptOutcome) async throws -> ReportAnswer

    /// Cancels rollouts that are not final; answers how many were cancelled.
    distributed func cancel(_ rollouts: [RolloutID]) async throws -> Int

    distributed func rollout(_ id: RolloutID) async throws -> RolloutDetail

    distributed func rollouts(_ query: RolloutQuery) async throws -> Page<Rollout>

    /// Reads the log of settled rollouts after a position, waiting up to `request.wait` for news.
    distributed func completions(_ request: CompletionsRequest) async throws -> CompletionBatch

    distributed func spans(_ query: SpanQuery) async throws -> Page<StoredSpan>

    // MARK: Resources

    /// Publishes a new snapshot, which becomes the latest.
    distributed func publish(_ publication: ResourcePublication) async throws -> ResourceSnapshot

    /// A snapshot by id, or the latest when `id` is `nil`; `nil` when nothing was published.
    distributed func resources(_ id: ResourceSnapshotID?) async throws -> ResourceSnapshot?

    /// The content of a resource, by its hash.
    distributed func resourceContent(hash: String) async throws -> Data

    // MARK: Workers

    /// Registers (or re-registers) the calling worker.
    distributed func register(_ registration: WorkerRegistration) async throws -> Worker

    distributed func workerHeartbeat(_ worker: WorkerID, _ snapshot: WorkerSnapshot) async throws

    /// Marks a worker as gone; its attempts that have not ended become unresponsive.
    distributed func unregister(_ worker: WorkerID) async throws

    distributed func workers() async throws -> [Worker]

    // MARK: Experiments

    distributed func submit(_ submission: ExperimentSubmission) async throws -> Experiment

    /// Gives a trainer an experiment to run: one it was already running (after its restart) or
    /// the oldest submitted one. Waits up to `wait` when there is none.
    distributed func claimExperiment(trainer: String, wait: Duration) async throws -> Experiment?

    distributed func experiment(_ id: ExperimentID) async throws -> Experiment

    distributed func experiments(status: ExperimentStatus?) async throws -> [Experiment]

    /// Moves an experiment to `status`, e.g. `finished` or `failed` with a message.
    distributed func updateExperiment(_ id: ExperimentID, status: ExperimentStatus, message: String?) async throws -> Experiment

    /// Cancels an experiment and its rollouts that are not final.
    distributed func cancelExperiment(_ id: ExperimentID) async throws -> Experiment

    distributed func reportMetrics(_ id: ExperimentID, _ points: [MetricPoint]) async throws

    distributed func metrics(_ id: ExperimentID, afterStep: Int?) async throws -> [MetricPoint]

    distributed func addCheckpoint(_ id: ExperimentID, _ checkpoint: Checkpoint) async throws

    // MARK: Overview

    distributed func statistics() async throws -> StoreStatistics
}

/// The name the store actor is known by on its node.
public enum StoreName {
    public static let wellKnown = "store"
}
