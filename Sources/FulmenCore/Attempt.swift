public import Foundation

/// One try at running a rollout, by one worker.
public struct Attempt: Codable, Sendable, Equatable {
    public var id: AttemptID
    public var rollout: RolloutID
    /// 1 for the first attempt at the rollout, 2 for its first retry, and so on.
    public var sequence: Int
    public var worker: WorkerID
    public var status: AttemptStatus
    public var claimedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    /// The last time the worker was heard from about this attempt (a heartbeat or a span).
    public var lastHeartbeat: Date
    /// What went wrong, when the attempt failed.
    public var error: String?

    public init(
        id: AttemptID, rollout: RolloutID, sequence: Int, worker: WorkerID, status: AttemptStatus, claimedAt: Date,
        startedAt: Date?, endedAt: Date?, lastHeartbeat: Date, error: String?
    ) {
        self.id = id
        self.rollout = rollout
        self.sequence = sequence
        self.worker = worker
        self.status = status
        self.claimedAt = claimedAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.lastHeartbeat = lastHeartbeat
        self.error = error
    }
}

/// A rollout a worker claimed, and the attempt it now owns (which is `preparing`; the worker
/// reports it running with `markRunning`).
public struct Claim: Codable, Sendable, Equatable {
    public var rollout: Rollout
    public var attempt: AttemptID
    /// The attempt's number: 1 for the first attempt at the rollout, 2 for its first retry, …
    public var sequence: Int

    public init(rollout: Rollout, attempt: AttemptID, sequence: Int) {
        self.rollout = rollout
        self.attempt = attempt
        self.sequence = sequence
    }
}

/// What a worker asks for when it wants work.
public struct DequeueRequest: Codable, Sendable, Equatable {
    public var worker: WorkerID
    /// The tasks the worker hosts; empty means any.
    public var tasks: [String]
    /// The most rollouts to claim at once.
    public var limit: Int
    /// How long to wait for work when none is queued (a long poll); zero answers at once.
    public var wait: Duration

    public init(worker: WorkerID, tasks: [String] = [], limit: Int = 1, wait: Duration = .seconds(10)) {
        self.worker = worker
        self.tasks = tasks
        self.limit = limit
        self.wait = wait
    }
}

/// How an attempt ended, as its worker reports it.
public enum AttemptOutcome: Codable, Sendable, Equatable {
    case succeeded
    case failed(error: String)
}

/// The store's answer to a report about an attempt (start, heartbeat, spans, completion).
public enum ReportAnswer: String, Codable, Sendable, CaseIterable {
    /// Recorded; carry on.
    case accepted
    /// The attempt is no longer the rollout's latest or has already ended: the report was logged
    /// and ignored. The worker should drop the episode.
    case superseded
    /// The rollout (or its experiment) was cancelled: the worker should stop the episode.
    case cancelled
}
