import CZeroMQ
import Synchronization
import ZeroMQ

/// This node's outgoing connection to one peer: a DEALER socket used under a lock by the task
/// sending a call, and by the I/O thread that receives the replies.
final class DealerConnection: Sendable {
    let endpoint: String
    let socket: SharedSocket
    let monitorEndpoint: String

    init(context: Context, to endpoint: String, from node: NodeID, settings: ZMQActorSystem.Settings, monitorEndpoint: String)
        throws(ZMQError)
    {
        let socket = try Socket(context, kind: .dealer)
        try socket.setOption(ZMQ_ROUTING_ID, bytes: Envelope.routingID(for: node))
        // Queue messages only on connections that completed their handshake, so a call to a
        // peer that is not there fails at once instead of waiting to be delivered to a later life.
        try socket.setOption(ZMQ_IMMEDIATE, Int32(1))
        try socket.setOption(ZMQ_SNDHWM, Int32(100_000))
        try socket.setOption(ZMQ_RCVHWM, Int32(100_000))
        try socket.setOption(ZMQ_RECONNECT_IVL, Int32(100))
        try socket.setOption(ZMQ_RECONNECT_IVL_MAX, Int32(1000))
        try socket.setOption(ZMQ_MAXMSGSIZE, Int64(settings.maximumMessageSize) * 2)
        try socket.monitor(monitorEndpoint, events: [.handshakeSucceeded, .disconnected])
        self.endpoint = endpoint
        self.monitorEndpoint = monitorEndpoint
        self.socket = try SharedSocket(socket)
    }
}

extension DealerConnection {
    /// Starts connecting; call once the monitor is being read, so that no event is missed.
    func start() throws(ZMQError) {
        try socket.withSocket { socket throws(ZMQError) in try socket.connect(endpoint) }
    }
}

/// A socket that several threads use one at a time, under a lock.
///
/// libzmq only signals a socket's file descriptor when a command arrives that nobody has
/// processed yet; any operation on the socket processes them. So after every send, the sender
/// checks whether input became readable and, if so, wakes the I/O thread.
final class SharedSocket: Sendable {
    private let socket: Mutex<Socket>
    let fileDescriptor: Int32

    init(_ socket: consuming sending Socket) throws(ZMQError) {
        fileDescriptor = try socket.fileDescriptor
        self.socket = Mutex(socket)
    }

    /// Runs `body` with exclusive use of the socket.
    func withSocket<R: ~Copyable, E: Error>(_ body: (Socket) throws(E) -> sending R) throws(E) -> sending R {
        try socket.withLock { socket throws(E) -> sending R in try body(socket) }
    }

    /// Sends `message` and reports whether the I/O thread needs waking to read pending input.
    func send(_ message: OutgoingMessage, routingID: [UInt8]? = nil) throws(ZMQError) -> Bool {
        try socket.withLock { socket throws(ZMQError) -> Bool in
            try message.send(on: socket, routingID: routingID)
            return socket.canReceive
        }
    }

    /// Sends one small frame (a heartbeat) and reports whether input is pending.
    func send(_ frame: [UInt8], routingID: [UInt8]? = nil) throws(ZMQError) -> Bool {
        try socket.withLock { socket throws(ZMQError) -> Bool in
            if let routingID { try socket.send(routingID, more: true) }
            try socket.send(frame)
            return socket.canReceive
        }
    }

    /// Receives up to `limit` waiting messages; `more` tells whether others are waiting still.
    func receive(limit: Int) -> (messages: [[Message]], more: Bool, error: ZMQError?) {
        socket.withLock { socket in
            var messages: [[Message]] = []
            do throws(ZMQError) {
                while messages.count < limit, let frames = try socket.receiveMultipart() {
                    messages.append(frames)
                }
            } catch {
                return (messages, false, error)
            }
            return (messages, messages.count == limit || socket.canReceive, nil)
        }
    }

    func close() {
        socket.withLock { $0.close() }
    }
}
