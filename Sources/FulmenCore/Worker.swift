public import Foundation

/// A runner process known to the store.
public struct Worker: Codable, Sendable, Equatable {
    public var id: WorkerID
    /// The tasks it hosts; empty means any.
    public var tasks: [String]
    public var host: String
    /// How many episodes it runs at once.
    public var concurrency: Int
    /// The actor-system node it calls from, as `endpoint#incarnation`.
    public var node: String?
    public var status: WorkerStatus
    public var registeredAt: Date
    public var lastSeen: Date
    public var snapshot: WorkerSnapshot?
    /// The attempts it holds that have not ended.
    public var activeAttempts: [AttemptID]

    public init(
        id: WorkerID, tasks: [String], host: String, concurrency: Int, node: String?, status: WorkerStatus,
        registeredAt: Date, lastSeen: Date, snapshot: WorkerSnapshot?, activeAttempts: [AttemptID]
    ) {
        self.id = id
        self.tasks = tasks
        self.host = host
        self.concurrency = concurrency
        self.node = node
        self.status = status
        self.registeredAt = registeredAt
        self.lastSeen = lastSeen
        self.snapshot = snapshot
        self.activeAttempts = activeAttempts
    }
}

public enum WorkerStatus: String, Codable, Sendable, CaseIterable {
    /// Registered and heard from.
    case active
    /// Its node went down; it becomes active again when it is heard from.
    case down
    /// It unregistered.
    case left
}

/// What a worker tells about itself when it registers.
public struct WorkerRegistration: Codable, Sendable, Equatable {
    public var id: WorkerID
    public var tasks: [String]
    public var host: String
    public var concurrency: Int

    public init(id: WorkerID, tasks: [String] = [], host: String, concurrency: Int) {
        self.id = id
        self.tasks = tasks
        self.host = host
        self.concurrency = concurrency
    }
}

/// A small picture of a worker's machine, sent with its heartbeats.
public struct WorkerSnapshot: Codable, Sendable, Equatable {
    public var runningEpisodes: Int
    /// The 1-minute load average.
    public var loadAverage: Double
    /// Resident memory of the worker process.
    public var residentBytes: Int

    public init(runningEpisodes: Int, loadAverage: Double, residentBytes: Int) {
        self.runningEpisodes = runningEpisodes
        self.loadAverage = loadAverage
        self.residentBytes = residentBytes
    }
}
