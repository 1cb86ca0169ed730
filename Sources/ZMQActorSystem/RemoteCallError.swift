import BinaryCoding

/// A remote call that did not produce the callee's own result or error.
///
/// Errors thrown by the called actor's code arrive as `RemoteError` instead.
public struct RemoteCallError: Error, Sendable, CustomStringConvertible {
    /// Why the call failed. A struct rather than an enum so that new reasons break no `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// The call did not finish within its timeout.
        public static let deadlineExceeded = Code(name: "deadline exceeded")
        /// The node hosting the actor is down (it died, or stopped answering heartbeats).
        public static let nodeDown = Code(name: "node down")
        /// The node restarted since the reference was made; the actor no longer exists.
        public static let staleIncarnation = Code(name: "stale incarnation")
        /// No actor of that name lives on the node.
        public static let unknownActor = Code(name: "unknown actor")
        /// The actor has no distributed function matching the call (versions differ?).
        public static let unknownMethod = Code(name: "unknown method")
        /// The arguments or the result could not be encoded or decoded.
        public static let badPayload = Code(name: "bad payload")
        /// The message exceeds the receiving node's size limit.
        public static let messageTooLarge = Code(name: "message too large")
        /// The message could not be queued for sending (the peer is not reading).
        public static let sendQueueFull = Code(name: "send queue full")
        /// The callee speaks another version of the wire format; the message names both.
        public static let versionMismatch = Code(name: "version mismatch")
        /// The local or the remote actor system is shutting down.
        public static let shutDown = Code(name: "shut down")

        public var description: String { name }
    }

    public let code: Code
    /// What happened, naming the actor, the call and the node involved.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// An error thrown by a remote actor's own code, carried back to the caller.
///
/// `typeName` and `message` describe the original error. When that error was `Codable`, its
/// encoded form travels too and `decode(as:)` recovers it.
public struct RemoteError: Error, Sendable, CustomStringConvertible {
    /// The fully qualified type name of the error thrown remotely.
    public let typeName: String
    /// The remote error's description.
    public let message: String
    /// The error itself in the wire format, when its type is `Codable`.
    public let payload: [UInt8]?

    public init(typeName: String, message: String, payload: [UInt8]?) {
        self.typeName = typeName
        self.message = message
        self.payload = payload
    }

    /// The original error, when it was `Codable` and of type `E`.
    public func decode<E: Error & Decodable>(as type: E.Type) -> E? {
        guard let payload, typeName == String(reflecting: E.self) else { return nil }
        return try? BinaryDecoder().decode(E.self, from: payload)
    }

    public var description: String { "\(typeName): \(message)" }
}
