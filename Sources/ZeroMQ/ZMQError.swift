import CZeroMQ

/// An error reported by libzmq: the failed operation, its `errno`, and libzmq's own text for it.
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being done, e.g. `"bind tcp://0.0.0.0:7100"`.
    public let operation: String
    /// The `errno` value libzmq reported.
    public let code: Int32
    /// `zmq_strerror(code)`.
    public let message: String

    /// Captures `zmq_errno()` for a call that just failed.
    init(_ operation: String) {
        self.init(operation, code: zmq_errno())
    }

    init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    /// True when the operation would have blocked (`EAGAIN`).
    public var wouldBlock: Bool { code == EAGAIN }

    public var description: String { "zmq: \(operation) failed: \(message) (errno \(code))" }
}
