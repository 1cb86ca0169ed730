public import FulmenCore

/// The training samples one rollout yielded, and what the adapter left out of them.
public struct AdaptedRollout: Sendable, Equatable {
    public var rollout: RolloutID
    public var attempt: AttemptID
    /// At least one: a rollout that yields none is an ``UnusableRollout``. In the order the calls finished.
    public var triplets: [Triplet]
    /// The episode's outcome: its final reward (of the adapter's reward name), whatever its samples were
    /// credited with; `nil` only under intermediate or return credit, for an episode that recorded no final
    /// reward.
    public var finalReward: Double?
    /// Model calls of the trained sub-agent that failed (their span has an error): they produced no
    /// response to train on, so they make no sample. Rewards that followed one go to the call before it.
    public var failedCallsSkipped: Int
    /// Intermediate credit only: rewards that came before the trained sub-agent's first model call, which
    /// no call of it can have earned, so none is credited with them.
    public var uncreditedRewards: Int

    public init(
        rollout: RolloutID, attempt: AttemptID, triplets: [Triplet], finalReward: Double? = nil,
        failedCallsSkipped: Int = 0, uncreditedRewards: Int = 0
    ) {
        self.rollout = rollout
        self.attempt = attempt
        self.triplets = triplets
        self.finalReward = finalReward
        self.failedCallsSkipped = failedCallsSkipped
        self.uncreditedRewards = uncreditedRewards
    }
}
