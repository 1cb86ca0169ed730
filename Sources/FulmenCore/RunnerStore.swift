public import Distributed
public import Foundation

/// What a runner pool calls on the store: it registers as a worker, claims rollouts, reports on
/// their attempts (start, heartbeats, spans, outcome) and fetches the resources they pin.
///
/// `RunnerPool` and `fulmen runner` call it through `$RunnerStore<ZMQActorSystem>`; with keys, only a
/// key of role `runner` (or `admin`) may (`StoreRole`). A runner reads nothing else: not other
/// workers' rollouts, not experiments, not spans (those are `StoreReads`). Errors are `StoreError`s.
@Resolvable
public protocol RunnerStore: DistributedActor where ActorSystem: DistributedActorSystem<any Codable> {
    // MARK: The worker

    /// Registers (or re-registers) the calling worker.
    distributed func register(_ registration: WorkerRegistration) async throws -> Worker

    /// Tells that a worker is alive, with what it is doing. A worker the store does not know is
    /// answered `StoreError.Code.unknownWorker`.
    distributed func workerHeartbeat(_ worker: WorkerID, _ snapshot: WorkerSnapshot) async throws

    /// Marks a worker as gone; its attempts that have not ended become unresponsive.
    distributed func unregister(_ worker: WorkerID) async throws

    // MARK: Claims and reports

    /// Claims up to `request.limit` queued rollouts for a registered worker, starting an attempt
    /// at each. Waits up to `request.wait` for work when none is queued. A worker the store does
    /// not know is answered `StoreError.Code.unknownWorker`.
    distributed func dequeue(_ request: DequeueRequest) async throws -> [Claim]

    /// Tells that a claimed attempt's episode has started.
    distributed func markRunning(_ attempt: AttemptID) async throws -> ReportAnswer

    /// Tells that a worker is still at an attempt.
    distributed func heartbeat(_ attempt: AttemptID) async throws -> ReportAnswer

    /// Files spans under an attempt, numbering them in order. Counts as a heartbeat.
    distributed func addSpans(_ spans: [Span], to attempt: AttemptID) async throws -> SpanReceipt

    /// Ends an attempt; if it is its rollout's latest, settles or requeues the rollout.
    distributed func complete(_ attempt: AttemptID, _ outcome: AttemptOutcome) async throws -> ReportAnswer

    // MARK: Resources

    /// A snapshot by id (the one a claimed rollout pins), or the latest when `id` is `nil`; `nil`
    /// when nothing was published.
    distributed func resources(_ id: ResourceSnapshotID?) async throws -> ResourceSnapshot?

    /// The content of a resource, by its hash: how a runner fetches weights it has not cached.
    distributed func resourceContent(hash: String) async throws -> Data
}
