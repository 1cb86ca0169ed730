import Foundation

/// What a runner pool has done since it started.
public struct RunnerStatistics: Sendable, Hashable {
    /// Rollouts claimed from the store.
    public var claimed = 0
    /// Episodes begun (one per claim).
    public var started = 0
    /// Episodes that ended and were reported succeeded, or failed.
    public var succeeded = 0
    public var failed = 0
    /// Episodes stopped because the store said their rollout was cancelled or their attempt superseded.
    public var cancelled = 0
    /// Episodes left unfinished at shutdown, for the store to retry elsewhere.
    public var handedBack = 0
    /// Episodes running now.
    public var running = 0
    /// Spans uploaded.
    public var spans = 0
    /// Times weights were fetched from the store (once per version while it stays cached).
    public var weightFetches = 0
    public var inference = InferenceStatistics()

    public init() {}

    /// Episodes that ended one way or another.
    public var finished: Int { succeeded + failed + cancelled + handedBack }
}

/// The load of this machine and process, for worker heartbeats.
enum ProcessLoad {
    /// The 1-minute load average.
    static var loadAverage: Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first
        else { return 0 }
        return Double(first) ?? 0
    }

    /// This process's resident memory.
    static var residentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
