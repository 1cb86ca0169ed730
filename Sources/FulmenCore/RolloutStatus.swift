/// Where a rollout is: derived from its latest attempt and its retry policy.
///
/// ```
/// queuing ──▶ preparing ──▶ running ──▶ succeeded
///    ▲            │            │
///    │            ├────────────┴──▶ failed          (no retry left, or the failure is not retried)
///    │            └────────────┬──▶ requeuing ──▶ preparing …   (a retry remains)
///    └─ cancelled from any status that is not final
/// ```
public enum RolloutStatus: String, Codable, Sendable, CaseIterable, StatusMachine {
    public static let machineName = "rollout"

    /// Waiting for a runner to claim it for the first time.
    case queuing
    /// Its latest attempt is preparing.
    case preparing
    /// Its latest attempt is running.
    case running
    /// Its latest attempt ended without success and a retry remains: waiting for a runner again.
    case requeuing
    /// Its latest attempt succeeded.
    case succeeded
    /// Its latest attempt ended without success and no retry is allowed.
    case failed
    /// Cancelled by a user or its experiment.
    case cancelled

    /// Whether the rollout is settled (it is in the completions log and never changes again).
    public var isFinal: Bool {
        switch self {
        case .queuing, .preparing, .running, .requeuing: false
        case .succeeded, .failed, .cancelled: true
        }
    }

    /// Whether a runner may claim the rollout now.
    public var isClaimable: Bool {
        self == .queuing || self == .requeuing
    }

    /// The statuses this one may move to.
    public var allowedNext: Set<RolloutStatus> {
        switch self {
        case .queuing, .requeuing: [.preparing, .cancelled]
        case .preparing: [.running, .succeeded, .failed, .requeuing, .cancelled]
        case .running: [.succeeded, .failed, .requeuing, .cancelled]
        case .succeeded, .failed, .cancelled: []
        }
    }

    /// The status of a rollout whose latest attempt (number `attemptsMade`, counting from 1) has
    /// status `attempt`.
    public static func derived(fromLatestAttempt attempt: AttemptStatus, attemptsMade: Int, policy: RetryPolicy) -> RolloutStatus {
        switch attempt {
        case .preparing: return .preparing
        case .running: return .running
        case .succeeded: return .succeeded
        case .failed, .unresponsive, .timedOut:
            return policy.allowsRetry(after: attempt.failure!, attemptsMade: attemptsMade) ? .requeuing : .failed
        }
    }
}

/// How many times a rollout may be attempted, and which failures earn another attempt.
public struct RetryPolicy: Codable, Sendable, Hashable {
    /// The most attempts a rollout gets, the first included (at least 1).
    public var maxAttempts: Int
    /// The failures that are retried while attempts remain.
    public var retryOn: Set<AttemptFailure>

    /// By default a rollout gets three attempts, and only failures of the infrastructure (a runner
    /// that went silent, a timeout) are retried: an error the agent itself reported would most
    /// likely happen again.
    public init(maxAttempts: Int = 3, retryOn: Set<AttemptFailure> = [.unresponsive, .timedOut]) {
        self.maxAttempts = maxAttempts
        self.retryOn = retryOn
    }

    /// Whether an attempt that ended with `failure` is followed by another.
    public func allowsRetry(after failure: AttemptFailure, attemptsMade: Int) -> Bool {
        retryOn.contains(failure) && attemptsMade < maxAttempts
    }
}
