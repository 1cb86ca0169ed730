public import Distributed

/// What the control commands call on the store: `fulmen submit` and `cancel` (and `fulmen up`,
/// which submits its experiment). They read through `StoreReads`, which this protocol refines
/// (`status`, `watch`, `rollouts`, `traces`, `export`).
///
/// With keys, only a key of role `control` (or `admin`) may call it (`StoreRole`): a runner's or a
/// trainer's key cannot submit or cancel work. Errors are `StoreError`s.
@Resolvable
public protocol ControlStore: StoreReads where ActorSystem: DistributedActorSystem<any Codable> {
    /// Submits an experiment for a trainer to claim.
    distributed func submit(_ submission: ExperimentSubmission) async throws -> Experiment

    /// Cancels an experiment and its rollouts that are not final.
    distributed func cancelExperiment(_ id: ExperimentID) async throws -> Experiment

    /// Cancels rollouts that are not final; answers how many were cancelled.
    distributed func cancel(_ rollouts: [RolloutID]) async throws -> Int
}
