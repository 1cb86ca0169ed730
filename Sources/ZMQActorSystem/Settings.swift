public import Logging

extension ZMQActorSystem {
    /// How a node listens, times its calls and decides that a peer is down.
    public struct Settings: Sendable {
        /// Where the node listens for calls, e.g. `tcp://0.0.0.0:7100`; port 0 or `*` picks a
        /// free port.
        public var bindEndpoint: String
        /// The host other nodes use to reach this one, when `bindEndpoint` listens on every
        /// interface (`0.0.0.0` or `*`). Defaults to the machine's host name.
        public var advertisedHost: String?
        /// How long a remote call may take unless `CallOptions` says otherwise.
        public var defaultCallTimeout: Duration = .seconds(10)
        /// How often a node pings each node it has a connection to.
        public var heartbeatInterval: Duration = .milliseconds(250)
        /// How long a peer may stay silent before it is declared down.
        public var heartbeatTimeout: Duration = .seconds(3)
        /// The largest message this node accepts (all frames together), at least
        /// `minimumMessageSizeLimit`. Senders learn the limit from heartbeats and refuse larger
        /// calls with a clear error.
        public var maximumMessageSize: Int = 256 << 20
        /// Arrays of at least this many bytes travel as separate frames, without copying.
        public var blobThreshold: Int = 32 << 10
        /// Whether to tune the process's allocator (glibc) to keep multi-megabyte buffers in its
        /// heap instead of mapping pages afresh for every large message; it affects the whole
        /// process, which for a Fulmen node is what is wanted.
        public var keepsLargeBuffersInHeap = true
        /// How long `shutdown()` waits for calls being executed to finish.
        public var shutdownGracePeriod: Duration = .seconds(5)
        /// Where the node reports bad input, peers going down and coming back.
        public var logger: Logger
        /// CurveZMQ encryption and authentication, or nil for plain text (the default: only for
        /// a single host or a network no one else can reach). See `Security`.
        public var security: Security?

        /// The smallest `maximumMessageSize` a node may set: messages up to this size are never
        /// checked against a peer's limit.
        public static let minimumMessageSizeLimit = 64 << 10

        /// Settings for a node listening at `bindEndpoint`.
        public init(bindEndpoint: String = "tcp://127.0.0.1:0", logger: Logger = Logger(label: "fulmen.actors")) {
            self.bindEndpoint = bindEndpoint
            self.logger = logger
        }
    }
}

/// Settings a node cannot start with; the message names the setting and the allowed values.
public struct SettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
