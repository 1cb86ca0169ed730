/// A status whose moves are listed explicitly: every change goes through `transition(to:)`, so
/// an illegal move is an error, never a silent write.
public protocol StatusMachine: RawRepresentable<String>, Hashable {
    /// The machine's name in errors: `"attempt"`, `"rollout"`, `"experiment"`.
    static var machineName: String { get }

    /// The statuses this one may move to.
    var allowedNext: Set<Self> { get }
}

extension StatusMachine {
    /// The status after moving to `next`, or an error naming both ends when the move is not allowed.
    public func transition(to next: Self) throws(StatusTransitionError) -> Self {
        guard allowedNext.contains(next) else {
            throw StatusTransitionError(machine: Self.machineName, from: rawValue, to: next.rawValue)
        }
        return next
    }
}

/// A move a status machine does not allow, e.g. from `succeeded` back to `running`.
public struct StatusTransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Which machine: `"attempt"` or `"rollout"`.
    public let machine: String
    public let from: String
    public let to: String

    public var description: String {
        "illegal \(machine) transition from \(from) to \(to)"
    }
}
