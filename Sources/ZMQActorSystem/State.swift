import BinaryCoding
import ZeroMQ

/// Everything a node knows that changes, kept under one lock (`ZMQActorSystem.state`).
struct State {
    enum Phase { case running, draining, stopped }

    var phase = Phase.running
    var nextActorNumber = 0
    var nextToken: UInt64 = 0
    /// Local actors by name.
    var actors: [String: WeakActor] = [:]
    /// Calls sent and not yet answered, by call id.
    var pending: [UInt64: PendingCall] = [:]
    /// No pending call expires before this instant (it may be stale, never late).
    var earliestDeadline: ContinuousClock.Instant?
    /// When the I/O thread will wake by itself next; earlier deadlines must wake it.
    var ioWakeAt = ContinuousClock.now
    /// Calls being executed on this node, for draining at shutdown.
    var executing = 0
    var peers: [String: Peer] = [:]
    var watches: [UInt64: Watch] = [:]
    var subscribers: [UInt64: AsyncStream<NodeEvent>.Continuation] = [:]
    /// Work for the I/O thread, with `wakeup` signalled after appending.
    var commands: [IOCommand] = []
    /// Resumed by the I/O thread once it has closed every socket.
    var ioStopped: [CheckedContinuation<Void, Never>] = []
    var ioRunning = true

    mutating func token() -> UInt64 {
        nextToken += 1
        return nextToken
    }

    /// Removes and returns the watches `matching` selects.
    mutating func removeWatches(where matching: (Watch) -> Bool) -> [Watch] {
        let fired = watches.values.filter(matching)
        for watch in fired { watches[watch.token] = nil }
        return fired
    }

    /// This node's session with `node`'s life (0 for a life it never declared down).
    func session(with node: NodeID) -> UInt32 {
        guard let peer = peers[node.endpoint], peer.knownIncarnation == node.incarnation else { return 0 }
        return peer.session
    }

    /// This node's session with `caller`, when a call made in session `callSession` comes from an
    /// earlier one (nil when the call may run).
    func sessionEnded(for caller: NodeID, callSession: UInt32) -> UInt32? {
        let session = session(with: caller)
        return session > callSession ? session : nil
    }

    /// Removes and returns the pending calls `matching` selects.
    mutating func removePending(where matching: (PendingCall) -> Bool) -> [PendingCall] {
        let selected = pending.values.filter(matching)
        for call in selected { pending[call.callID] = nil }
        return selected
    }
}

/// A call waiting for its reply.
struct PendingCall {
    let callID: UInt64
    let continuation: UnsafeContinuation<InboundReply, any Error>
    let endpoint: String
    let deadline: ContinuousClock.Instant
    let timeout: Duration
    let actor: ActorAddress
}

/// What this node knows about one other node, by endpoint.
struct Peer {
    /// The state of this node's own connection to the peer.
    enum Outbound {
        /// No connection was needed yet.
        case none
        /// The connection is being made; calls wait in `backlog` until it is.
        case connecting(since: ContinuousClock.Instant, backlog: [(callID: UInt64, message: OutgoingMessage)])
        /// Calls are sent at once on `connection`.
        case connected
        /// The peer is down or unreachable: calls fail at once until it answers again.
        case unavailable(reason: String)
    }

    var outbound = Outbound.none
    /// This node's DEALER to the peer, once the I/O thread has opened it.
    var connection: DealerConnection?
    /// The routing id and TCP connection of the peer's own connection to this node, if any.
    var inboundRoutingID: [UInt8]?
    var inboundFileDescriptor: Int32?
    /// The incarnation believed alive, or nil while the peer is down or unknown.
    var liveIncarnation: UInt64?
    /// The incarnation most recently declared down.
    var downIncarnation: UInt64?
    /// The life `session` counts: the live incarnation, or the one last declared down.
    var knownIncarnation: UInt64? { liveIncarnation ?? downIncarnation }
    /// This node's session with the peer's life (`knownIncarnation`): how many
    /// times this node declared that life down. Declaring a node down tells watchers and fails
    /// calls, so a call the peer made before it learned of that must not run: a call carries
    /// the session its caller knew, and one from an earlier session is refused unrun.
    var session: UInt32 = 0
    /// The peer's session with this node, as the peer's last pong said; stamped on calls to it.
    var sessionAtPeer: UInt32 = 0
    /// When anything was last heard from the peer.
    var lastHeard: ContinuousClock.Instant?
    /// The peer's message size limit, from its heartbeats.
    var maximumMessageSize: Int?
    /// The public key the peer's connection to this node was admitted with (with security),
    /// which is also the key of its listening socket.
    var publicKey: CurveKey?
    /// When the peer last refused this node's connection in the handshake.
    var refusedAt: ContinuousClock.Instant?
    /// When someone started watching an actor on this peer before it was ever heard from.
    var watchedSince: ContinuousClock.Instant?
}

/// A request to be told when an actor terminates.
struct Watch {
    let token: UInt64
    let id: ActorAddress
    let onTermination: @Sendable (ActorAddress) -> Void
}

/// Work handed to the I/O thread.
enum IOCommand {
    /// Open a connection to the peer at this endpoint.
    case connect(String)
    /// Close every socket and stop.
    case stop
}

/// A reply as received, decoded by the task that awaits it.
struct InboundReply: Sendable {
    let frames: [Message]
    let status: Envelope.ReplyStatus
    let bodyOffset: Int

    func value<R: Decodable>(_ type: R.Type, system: ZMQActorSystem) throws -> R {
        try throwIfFailed()
        guard status == .value else { throw RemoteCallError(.badPayload, "expected a \(R.self) result, the reply has none") }
        let outOfBand = frames.outOfBand
        return try frames[0].withUnsafeBytes { buffer in
            let context = BinaryDecodingContext(buffer: buffer, outOfBand: outOfBand, extra: (.actorSystemKey, system))
            var offset = bodyOffset
            do {
                return try context.decodeValue(R.self, at: &offset)
            } catch {
                throw RemoteCallError(.badPayload, "could not decode the \(R.self) result: \(error)")
            }
        }
    }

    func void() throws {
        try throwIfFailed()
    }

    private func throwIfFailed() throws {
        switch status {
        case .value, .void: return
        case .thrown: throw try frames[0].withUnsafeBytes { try Envelope.readThrown($0, at: bodyOffset) }
        case .failure: throw try frames[0].withUnsafeBytes { try Envelope.readFailure($0, at: bodyOffset) }
        }
    }
}

extension [Message] {
    /// The frames after the first: the out-of-band arrays of a message (most messages have none).
    var outOfBand: ReceivedFrames {
        ReceivedFrames(message: self)
    }
}
