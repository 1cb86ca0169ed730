import CZeroMQ

/// A connection event published by a socket monitor.
public struct MonitorEvent: Sendable {
    /// The kinds of events a monitor can report (a bit set).
    public struct Kind: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let connected = Kind(rawValue: ZMQ_EVENT_CONNECTED)
        public static let accepted = Kind(rawValue: ZMQ_EVENT_ACCEPTED)
        public static let disconnected = Kind(rawValue: ZMQ_EVENT_DISCONNECTED)
        public static let closed = Kind(rawValue: ZMQ_EVENT_CLOSED)
        public static let handshakeSucceeded = Kind(rawValue: ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
        public static let handshakeFailedNoDetail = Kind(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        public static let handshakeFailedProtocol = Kind(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        public static let handshakeFailedAuth = Kind(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        public static let monitorStopped = Kind(rawValue: ZMQ_EVENT_MONITOR_STOPPED)
    }

    public let kind: Kind
    /// The event's value: for connection events, the connection's file descriptor.
    public let value: Int32
    /// The endpoint the event concerns.
    public let endpoint: String

    /// Reads one event from a monitor PAIR socket, or returns nil when none is waiting.
    public static func receive(from socket: Socket) throws(ZMQError) -> MonitorEvent? {
        guard let frames = try socket.receiveMultipart() else { return nil }
        guard frames.count >= 2, frames[0].count >= 6 else {
            throw ZMQError("monitor event with \(frames.count) frames", code: EPROTO)
        }
        let (kind, value) = frames[0].withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt16.self), raw.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        let endpoint = String(decoding: frames[1].bytes, as: UTF8.self)
        return MonitorEvent(kind: Kind(rawValue: Int32(kind)), value: Int32(bitPattern: value), endpoint: endpoint)
    }
}
