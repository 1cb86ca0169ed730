/// Counts and rates across the store, for status displays and dashboards.
public struct StoreStatistics: Codable, Sendable, Equatable {
    /// Rollouts per status (statuses with none are left out).
    public var rollouts: [RolloutStatus: Int]
    /// Rollouts waiting to be claimed.
    public var queueDepth: Int
    /// Attempts preparing or running.
    public var activeAttempts: Int
    public var activeWorkers: Int
    public var experiments: [ExperimentStatus: Int]
    public var spans: Int
    /// Rollouts enqueued per second over the last minute.
    public var enqueuedPerSecond: Double
    /// Rollouts settled per second over the last minute.
    public var settledPerSecond: Double

    public init(
        rollouts: [RolloutStatus: Int], queueDepth: Int, activeAttempts: Int, activeWorkers: Int,
        experiments: [ExperimentStatus: Int], spans: Int, enqueuedPerSecond: Double, settledPerSecond: Double
    ) {
        self.rollouts = rollouts
        self.queueDepth = queueDepth
        self.activeAttempts = activeAttempts
        self.activeWorkers = activeWorkers
        self.experiments = experiments
        self.spans = spans
        self.enqueuedPerSecond = enqueuedPerSecond
        self.settledPerSecond = settledPerSecond
    }
}
