/// Where one attempt at running a rollout is.
///
/// ```
/// preparing ──▶ running ──▶ succeeded
///     │            │
///     ├────────────┴──▶ failed | unresponsive | timedOut
///     └──▶ succeeded
/// ```
/// Every status but `preparing` and `running` is final: an attempt that ended never changes again,
/// so a late report from it cannot revive it (it is answered "superseded" by the store).
public enum AttemptStatus: String, Codable, Sendable, CaseIterable, StatusMachine {
    public static let machineName = "attempt"

    /// Claimed by a runner, which is fetching resources and starting the episode.
    case preparing
    /// The episode is running.
    case running
    /// The episode finished and the runner reported success.
    case succeeded
    /// The episode or the runner reported an error.
    case failed
    /// The runner stopped heartbeating within the liveness window, or its node went down.
    case unresponsive
    /// The attempt outlived the rollout's timeout.
    case timedOut

    /// Whether the attempt has ended.
    public var isFinal: Bool {
        switch self {
        case .preparing, .running: false
        case .succeeded, .failed, .unresponsive, .timedOut: true
        }
    }

    /// The statuses this one may move to.
    public var allowedNext: Set<AttemptStatus> {
        switch self {
        case .preparing: [.running, .succeeded, .failed, .unresponsive, .timedOut]
        case .running: [.succeeded, .failed, .unresponsive, .timedOut]
        case .succeeded, .failed, .unresponsive, .timedOut: []
        }
    }

    /// How the attempt failed, if it did (what a `RetryPolicy` decides on).
    public var failure: AttemptFailure? {
        switch self {
        case .preparing, .running, .succeeded: nil
        case .failed: .failed
        case .unresponsive: .unresponsive
        case .timedOut: .timedOut
        }
    }
}

/// The ways an attempt can end without success.
public enum AttemptFailure: String, Codable, Sendable, CaseIterable {
    /// The agent or the runner reported an error.
    case failed
    /// The runner went silent or its node went down.
    case unresponsive
    /// The rollout's timeout passed.
    case timedOut
}
