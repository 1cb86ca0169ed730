import CZeroMQ
import Synchronization
import ZeroMQ

/// This node's outgoing connection to one peer: a DEALER socket used under a lock by the task
/// sending a call, and by the I/O thread that receives the replies.
final class DealerConnection: Sendable {
    /// The keys a connection to a CURVE server uses: this node's pair, and the server's public key.
    struct Curve: Sendable {
        let keyPair: CurveKeyPair
        let serverKey: CurveKey
    }

    /// How many messages may wait to be sent to the peer before a send is refused.
    static let sendHighWaterMark = 100_000

    let endpoint: String
    let socket: SharedSocket
    /// How the connection is encrypted and authenticated, or nil for plain text.
    let curve: Curve?

    init(
        context: Context, to endpoint: String, from node: NodeID, settings: ZMQActorSystem.Settings, curve: Curve?,
        monitorEndpoint: String
    ) throws(ZMQError) {
        let socket = try Socket(context, kind: .dealer)
        if let curve {
            try socket.setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(curve.serverKey.z85.utf8))
            try socket.setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(curve.keyPair.publicKey.z85.utf8))
            try socket.setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(curve.keyPair.secretKey.utf8))
        }
        try socket.setOption(ZMQ_ROUTING_ID, bytes: Envelope.routingID(for: node))
        // Queue messages only on connections that completed their handshake, so a call to a
        // peer that is not there fails at once instead of waiting to be delivered to a later life.
        try socket.setOption(ZMQ_IMMEDIATE, Int32(1))
        try socket.setOption(ZMQ_SNDHWM, Int32(Self.sendHighWaterMark))
        try socket.setOption(ZMQ_RCVHWM, Int32(100_000))
        try socket.setOption(ZMQ_RECONNECT_IVL, Int32(100))
        try socket.setOption(ZMQ_RECONNECT_IVL_MAX, Int32(1000))
        try socket.setOption(ZMQ_MAXMSGSIZE, Int64(settings.maximumMessageSize) * 2)
        try socket.monitor(
            monitorEndpoint,
            events: [.handshakeSucceeded, .disconnected, .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail])
        self.endpoint = endpoint
        self.curve = curve
        self.socket = try SharedSocket(socket)
    }
}

extension DealerConnection {
    /// Starts connecting; call once the monitor is being read, so that no event is missed.
    func start() throws(ZMQError) {
        try socket.withSocket { socket throws(ZMQError) in try socket.connect(endpoint) }
    }
}

/// A socket that several threads use one at a time, under a lock, with an outbox in front.
///
/// Senders append to the outbox; the one that finds it empty also tries to take the socket and
/// send everything queued, so under load one thread sends for many and the messages for one peer
/// leave as one batch (`Envelope.Kind.batch`). A sender that cannot take the socket leaves the
/// work to the I/O thread, which flushes every outbox each time it wakes.
///
/// libzmq only signals a socket's file descriptor for commands nobody has processed yet, and any
/// operation on the socket processes them; so whoever sends checks afterwards whether input is
/// waiting and, if so, says so (`mayHaveInput`) and wakes the I/O thread. Reading until nothing is
/// left leaves the descriptor to tell of the next input.
final class SharedSocket: Sendable {
    /// A message waiting in the outbox, with what to do if it cannot be sent.
    struct Queued: Sendable {
        let routingID: [UInt8]?
        let message: OutgoingMessage
        let onFailure: (@Sendable (ZMQError) -> Void)?
    }

    private let socket: Mutex<Socket>
    private let outbox = Mutex<[Queued]>([])
    /// Set when a send found input waiting, cleared when the I/O thread starts reading.
    private let inputWaiting = Atomic<Bool>(false)
    let fileDescriptor: Int32

    init(_ socket: consuming sending Socket) throws(ZMQError) {
        fileDescriptor = try socket.fileDescriptor
        self.socket = Mutex(socket)
    }

    /// Runs `body` with exclusive use of the socket.
    func withSocket<R: ~Copyable, E: Error>(_ body: (Socket) throws(E) -> sending R) throws(E) -> sending R {
        try socket.withLock { socket throws(E) -> sending R in try body(socket) }
    }

    /// Queues `message` and sends it unless another thread is sending, or `deferred` (the I/O
    /// thread sending while it runs calls: it flushes once they have run, so that their replies
    /// leave together). Returns whether the I/O thread must be woken (to send it, or to read
    /// input that arrived meanwhile).
    func send(
        _ message: OutgoingMessage, routingID: [UInt8]? = nil, deferred: Bool = false,
        onFailure: (@Sendable (ZMQError) -> Void)? = nil
    ) -> Bool {
        let first = outbox.withLock { outbox in
            outbox.append(Queued(routingID: routingID, message: message, onFailure: onFailure))
            return outbox.count == 1
        }
        guard first, !deferred else { return false }
        return socket.withLockIfAvailable { socket in flush(socket) } ?? true
    }

    /// Sends everything queued, waiting for the socket if needed (the I/O thread's way).
    /// Returns whether input is waiting.
    @discardableResult
    func flush() -> Bool {
        guard outbox.withLock({ !$0.isEmpty }) else { return false }
        return socket.withLock { socket in flush(socket) }
    }

    private func flush(_ socket: Socket) -> Bool {
        var failures: [(Queued, ZMQError)] = []
        while true {
            let queued = outbox.withLock { outbox in
                defer { outbox.removeAll(keepingCapacity: true) }
                return outbox
            }
            if queued.isEmpty { break }
            var start = 0
            while start < queued.count {
                // Messages for the same peer without out-of-band frames leave as one batch.
                var end = start + 1
                if queued[start].message.blobs.isEmpty {
                    while end < queued.count, end - start < Envelope.maximumBatchCount, queued[end].message.blobs.isEmpty,
                          queued[end].routingID == queued[start].routingID { end += 1 }
                }
                let group = queued[start..<end]
                do throws(ZMQError) {
                    let message = group.count == 1 ? group.first!.message : OutgoingMessage(batching: group.map(\.message))
                    try message.send(on: socket, routingID: group.first!.routingID)
                } catch {
                    failures += group.map { ($0, error) }
                }
                start = end
            }
        }
        let inputWaiting = lookForInput(socket)
        for (queued, error) in failures { queued.onFailure?(error) }
        return inputWaiting
    }

    /// Takes the socket's pending libzmq commands (`ZMQ_EVENTS` does, unthrottled) and notes
    /// whether input is waiting; returns whether it is.
    private func lookForInput(_ socket: Socket) -> Bool {
        let waiting = socket.canReceive
        if waiting { inputWaiting.store(true, ordering: .sequentiallyConsistent) }
        return waiting
    }

    /// Receives up to `limit` waiting messages; `more` tells whether others may be waiting still.
    func receive(limit: Int) -> (messages: [[Message]], more: Bool, error: ZMQError?) {
        socket.withLock { socket in
            inputWaiting.store(false, ordering: .sequentiallyConsistent)
            var messages: [[Message]] = []
            do throws(ZMQError) {
                while messages.count < limit, let frames = try socket.receiveMultipart() {
                    messages.append(frames)
                }
            } catch {
                return (messages, false, error)
            }
            return (messages, messages.count == limit, nil)
        }
    }

    /// Makes the socket take in the commands libzmq's own thread left for it, such as the
    /// connection a handshake just completed (posted before the monitor reports the handshake).
    /// A send takes commands only if it has not for about a millisecond, so a call sent right
    /// after the handshake, before anything read the socket, could find no connection to send
    /// on.
    func takeCommands() {
        socket.withLock { socket in _ = lookForInput(socket) }
    }

    /// Whether a send found input waiting that the descriptor may not signal again.
    var mayHaveInput: Bool {
        inputWaiting.load(ordering: .sequentiallyConsistent)
    }

    /// Whether messages wait to be sent, or input that the descriptor may not signal.
    var needsAttention: Bool {
        mayHaveInput || outbox.withLock { !$0.isEmpty }
    }

    /// Closes the socket; `linger` is how long libzmq may still spend sending what is queued.
    func close(linger: Duration = .zero) {
        socket.withLock { socket in
            try? socket.setOption(ZMQ_LINGER, Int32(linger.milliseconds))
            socket.close()
        }
    }
}
