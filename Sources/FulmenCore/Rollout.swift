public import Foundation

/// One episode to run: a task input for a named agent, and where it stands.
///
/// The store settles a rollout from its latest attempt only (see `RolloutStatus`).
public struct Rollout: Codable, Sendable, Equatable {
    public var id: RolloutID
    /// The task (or agent) that runs it; runners claim only the tasks they host.
    public var task: String
    /// The task's input, JSON-encoded by convention so that agents in any language can read it.
    public var input: Data
    public var mode: RolloutMode
    /// The resource snapshot the episode must use; `nil` when none existed at enqueue.
    public var resources: ResourceSnapshotID?
    public var config: RolloutConfig
    public var metadata: [String: String]
    public var experiment: ExperimentID?
    public var status: RolloutStatus
    /// How many attempts were started.
    public var attempts: Int
    public var enqueuedAt: Date
    public var updatedAt: Date
    /// When the rollout became final.
    public var settledAt: Date?

    public init(
        id: RolloutID, task: String, input: Data, mode: RolloutMode, resources: ResourceSnapshotID?,
        config: RolloutConfig, metadata: [String: String], experiment: ExperimentID?, status: RolloutStatus,
        attempts: Int, enqueuedAt: Date, updatedAt: Date, settledAt: Date?
    ) {
        self.id = id
        self.task = task
        self.input = input
        self.mode = mode
        self.resources = resources
        self.config = config
        self.metadata = metadata
        self.experiment = experiment
        self.status = status
        self.attempts = attempts
        self.enqueuedAt = enqueuedAt
        self.updatedAt = updatedAt
        self.settledAt = settledAt
    }
}

/// The split a rollout belongs to.
public enum RolloutMode: String, Codable, Sendable, CaseIterable {
    case train
    case val
    case test
}

/// How long a rollout may run, how often its runner must be heard from, and how it is retried.
public struct RolloutConfig: Codable, Sendable, Hashable {
    /// The longest one attempt may take, from its claim to its completion.
    public var timeout: Duration
    /// The longest a running attempt may go without a heartbeat or a span before it counts as
    /// unresponsive.
    public var livenessWindow: Duration
    public var retry: RetryPolicy

    /// Liveness is on by default: an attempt times out after 10 minutes and goes unresponsive
    /// after 60 seconds of silence; such infrastructure failures are retried up to 3 attempts.
    public init(timeout: Duration = .seconds(600), livenessWindow: Duration = .seconds(60), retry: RetryPolicy = RetryPolicy()) {
        self.timeout = timeout
        self.livenessWindow = livenessWindow
        self.retry = retry
    }

    // Durations travel as whole nanoseconds: exact, and cheaper than `Duration`'s own coding.
    private enum CodingKeys: String, CodingKey {
        case timeoutNanoseconds, livenessWindowNanoseconds, retry
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        timeout = .nanoseconds(try container.decode(Int64.self, forKey: .timeoutNanoseconds))
        livenessWindow = .nanoseconds(try container.decode(Int64.self, forKey: .livenessWindowNanoseconds))
        retry = try container.decode(RetryPolicy.self, forKey: .retry)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timeout.wholeNanoseconds, forKey: .timeoutNanoseconds)
        try container.encode(livenessWindow.wholeNanoseconds, forKey: .livenessWindowNanoseconds)
        try container.encode(retry, forKey: .retry)
    }
}

/// What to enqueue. Enqueueing the same `id` twice returns the first rollout and changes nothing,
/// so a caller that retries after a lost reply does not run the episode twice.
public struct RolloutRequest: Codable, Sendable, Equatable {
    /// `nil` lets the store choose one.
    public var id: RolloutID?
    public var task: String
    public var input: Data
    public var mode: RolloutMode
    public var resources: ResourcePin
    public var config: RolloutConfig
    public var metadata: [String: String]
    public var experiment: ExperimentID?

    public init(
        id: RolloutID? = nil, task: String, input: Data, mode: RolloutMode = .train, resources: ResourcePin = .latest,
        config: RolloutConfig = RolloutConfig(), metadata: [String: String] = [:], experiment: ExperimentID? = nil
    ) {
        self.id = id
        self.task = task
        self.input = input
        self.mode = mode
        self.resources = resources
        self.config = config
        self.metadata = metadata
        self.experiment = experiment
    }
}

/// What `enqueue` answers for one request.
public struct EnqueueReceipt: Codable, Sendable, Equatable {
    public var id: RolloutID
    /// False when a rollout with this id already existed: it was left as it was.
    public var created: Bool
    public var status: RolloutStatus
    /// The resource snapshot the rollout pins.
    public var resources: ResourceSnapshotID?

    public init(id: RolloutID, created: Bool, status: RolloutStatus, resources: ResourceSnapshotID?) {
        self.id = id
        self.created = created
        self.status = status
        self.resources = resources
    }
}

/// Which resource snapshot a new rollout pins.
public enum ResourcePin: Codable, Sendable, Hashable {
    /// The latest snapshot when the rollout is enqueued (or none, if nothing was published yet).
    case latest
    /// A given snapshot, which must exist.
    case snapshot(ResourceSnapshotID)
    /// No resources.
    case none
}

/// A rollout with every attempt made at it, oldest first.
public struct RolloutDetail: Codable, Sendable, Equatable {
    public var rollout: Rollout
    public var attempts: [Attempt]

    public init(rollout: Rollout, attempts: [Attempt]) {
        self.rollout = rollout
        self.attempts = attempts
    }
}
