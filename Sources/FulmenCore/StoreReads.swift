public import Distributed

/// What the store lets trainers and operators read: rollouts and their attempts and spans,
/// experiments and their metrics, workers, and counts. It changes nothing.
///
/// `TrainerStore` and `ControlStore` refine it, so a trainer or a control command reads through
/// the stub it already has. With keys, a key of role `trainer`, `control` or `admin` may call it;
/// a runner's may not (`StoreRole`). Errors are `StoreError`s.
@Resolvable
public protocol StoreReads: DistributedActor where ActorSystem: DistributedActorSystem<any Codable> {
    // MARK: Rollouts

    /// A rollout with its attempts.
    distributed func rollout(_ id: RolloutID) async throws -> RolloutDetail

    /// A page of rollouts, filtered by the query.
    distributed func rollouts(_ query: RolloutQuery) async throws -> Page<Rollout>

    /// A page of a rollout's spans (by default those of its latest attempt), in the order they
    /// were filed. `allSpans(of:attempts:)` reads every page.
    distributed func spans(_ query: SpanQuery) async throws -> Page<StoredSpan>

    // MARK: Experiments

    distributed func experiment(_ id: ExperimentID) async throws -> Experiment

    /// Every experiment, or those with `status`.
    distributed func experiments(status: ExperimentStatus?) async throws -> [Experiment]

    /// An experiment's metric points, after a step when one is given.
    distributed func metrics(_ id: ExperimentID, afterStep: Int?) async throws -> [MetricPoint]

    // MARK: Overview

    distributed func workers() async throws -> [Worker]

    distributed func statistics() async throws -> StoreStatistics
}
