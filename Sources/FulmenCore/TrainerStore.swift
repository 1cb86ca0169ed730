public import Distributed

/// What a trainer calls on the store: it claims experiments and records how they go, enqueues
/// rollouts and follows their completions, and publishes the resources (weights, prompt templates,
/// settings) that later rollouts pin. It reads rollouts, spans and experiments through
/// `StoreReads`, which this protocol refines.
///
/// `TrainerActor` and `fulmen trainer` call it through `$TrainerStore<ZMQActorSystem>`; with keys,
/// only a key of role `trainer` (or `admin`) may (`StoreRole`). Errors are `StoreError`s.
@Resolvable
public protocol TrainerStore: StoreReads where ActorSystem: DistributedActorSystem<any Codable> {
    // MARK: Experiments

    /// Gives a trainer an experiment to run: one it was already running (after its restart) or
    /// the oldest submitted one. Waits up to `wait` when there is none.
    distributed func claimExperiment(trainer: String, wait: Duration) async throws -> Experiment?

    /// Moves an experiment to `status`, e.g. `finished` or `failed` with a message.
    distributed func updateExperiment(_ id: ExperimentID, status: ExperimentStatus, message: String?) async throws -> Experiment

    /// Records an experiment's figures at its steps (loss, reward, validation success, …).
    distributed func reportMetrics(_ id: ExperimentID, _ points: [MetricPoint]) async throws

    /// Records a checkpoint the trainer wrote, so that a restarted trainer resumes from it.
    distributed func addCheckpoint(_ id: ExperimentID, _ checkpoint: Checkpoint) async throws

    // MARK: Rollouts

    /// Adds rollouts to the queue, in order, and answers a receipt for each; an id already
    /// enqueued changes nothing (its receipt says `created: false`).
    distributed func enqueue(_ requests: [RolloutRequest]) async throws -> [EnqueueReceipt]

    /// Reads the log of settled rollouts after a position, waiting up to `request.wait` for news.
    distributed func completions(_ request: CompletionsRequest) async throws -> CompletionBatch

    // MARK: Resources

    /// Publishes a new snapshot, which becomes the latest.
    distributed func publish(_ publication: ResourcePublication) async throws -> ResourceSnapshot
}
