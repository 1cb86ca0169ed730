public import Foundation

/// Where a store keeps its data, and the bounds it enforces.
public struct StoreConfiguration: Sendable {
    /// Where the database lives.
    public enum Location: Sendable, Equatable {
        /// A directory holding `store.sqlite` (created if missing): durable, the default.
        case directory(URL)
        /// In memory, gone with the process: for tests.
        case inMemory
    }

    public var location: Location
    /// How often the liveness timer looks for attempts that went silent or ran out of time.
    public var sweepInterval: Duration
    public var limits: StoreLimits

    public init(location: Location, sweepInterval: Duration = .seconds(1), limits: StoreLimits = StoreLimits()) {
        self.location = location
        self.sweepInterval = sweepInterval
        self.limits = limits
    }
}

/// Bounds on what one request may carry. Requests beyond them are refused with an
/// `invalidArgument` error naming the bound.
public struct StoreLimits: Sendable {
    /// The most rollouts one `enqueue` may carry, and the most one `dequeue` may claim.
    public var maximumBatch: Int = 10_000
    /// The largest rollout input.
    public var maximumInputBytes: Int = 1 << 20
    /// The most spans one `addSpans` may carry.
    public var maximumSpansPerBatch: Int = 10_000
    /// The largest resource content (weights included).
    public var maximumResourceBytes: Int = 1 << 30
    /// The longest a long poll (`dequeue`, `completions`, `claimExperiment`) is held.
    public var maximumWait: Duration = .seconds(60)
    /// The most items one page of a listing may hold.
    public var maximumPage: Int = 10_000

    public init() {}
}
