import Logging
import ZeroMQ

// MARK: Watching actors and nodes

extension ZMQActorSystem {
    /// Calls `onTermination` once, when the actor `id` names can no longer be reached: a local
    /// actor was deinitialized, or the remote node hosting it went down or restarted.
    ///
    /// Watching an actor on a node this node has no connection to opens one, so that heartbeats
    /// tell whether it lives; a node that cannot be reached within the heartbeat timeout counts
    /// as down.
    @discardableResult
    public func watch(_ id: ActorAddress, onTermination: @escaping @Sendable (ActorAddress) -> Void) -> WatchToken {
        let (token, fireNow, connect) = state.withLock { state -> (UInt64, Bool, Bool) in
            let token = state.token()
            let watch = Watch(token: token, id: id, onTermination: onTermination)
            if id.endpoint == node.endpoint {
                guard isLocal(id), state.actors[id.name]?.actor != nil else { return (token, true, false) }
                state.watches[token] = watch
                return (token, false, false)
            }
            var peer = state.peers[id.endpoint] ?? Peer()
            defer { state.peers[id.endpoint] = peer }
            if let wanted = id.incarnation {
                if let live = peer.liveIncarnation, live != wanted { return (token, true, false) }
                if peer.liveIncarnation == nil, peer.downIncarnation == wanted { return (token, true, false) }
            }
            state.watches[token] = watch
            if peer.lastHeard == nil, peer.watchedSince == nil { peer.watchedSince = .now }
            guard case .none = peer.outbound, peer.inboundRoutingID == nil else { return (token, false, false) }
            peer.outbound = .connecting(since: .now, backlog: [])
            state.commands.append(.connect(id.endpoint))
            return (token, false, true)
        }
        if connect { wakeup.signal() }
        if fireNow { onTermination(id) }
        return WatchToken(id: token)
    }

    /// Calls `onDown` once, when `node` goes down (its connection breaks, it stops answering
    /// heartbeats, or it restarts).
    @discardableResult
    public func watch(node: NodeID, onDown: @escaping @Sendable (NodeID) -> Void) -> WatchToken {
        // An actor name no actor has: the watch can only end by the node going down.
        watch(ActorAddress(endpoint: node.endpoint, incarnation: node.incarnation, name: "")) { _ in onDown(node) }
    }

    /// Stops a watch started with `watch(_:onTermination:)` or `watch(node:onDown:)`.
    public func unwatch(_ token: WatchToken) {
        state.withLock { _ = $0.watches.removeValue(forKey: token.id) }
    }

    /// A stream of peers coming up and going down, from now on.
    public func nodeEvents() -> AsyncStream<NodeEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: NodeEvent.self)
        let token = state.withLock { state in
            let token = state.token()
            state.subscribers[token] = continuation
            return token
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: token) }
        }
        return stream
    }
}

// MARK: Liveness, as the I/O thread observes it

/// What one receive learned about a node that sent something.
struct Heard {
    var node: NodeID
    /// The routing id and TCP connection of its connection to this node's ROUTER.
    var routingID: [UInt8]?
    var fileDescriptor: Int32?
    /// Its message size limit, when a ping or pong said.
    var maximumMessageSize: Int?
    /// The key its connection was admitted with, with security.
    var publicKey: CurveKey?
    /// Its session with this node, when a pong said.
    var session: UInt32?
}

/// What a change of liveness requires once the state lock is released.
struct LivenessEffects {
    var failedCalls: [(PendingCall, RemoteCallError)] = []
    var firedWatches: [Watch] = []
    var events: [NodeEvent] = []
    var backlog: [(callID: UInt64, message: OutgoingMessage)] = []
    var subscribers: [AsyncStream<NodeEvent>.Continuation] = []

    var isEmpty: Bool { failedCalls.isEmpty && firedWatches.isEmpty && events.isEmpty && backlog.isEmpty }
}

extension State {
    /// Declares the peer at `endpoint` down: its calls fail, its watchers are told, and its
    /// session with this node ends.
    mutating func declareDown(_ endpoint: String, reason: String, into effects: inout LivenessEffects) {
        guard var peer = peers[endpoint] else { return }
        let incarnation = peer.liveIncarnation
        peer.liveIncarnation = nil
        if let incarnation {
            peer.downIncarnation = incarnation
            peer.session &+= 1
        }
        switch peer.outbound {
        // The first reason stays: a refused handshake is followed by the connection's end.
        case .none, .unavailable: break
        case .connecting, .connected: peer.outbound = .unavailable(reason: reason)
        }
        let neverHeard = peer.lastHeard == nil
        peers[endpoint] = peer
        for call in removePending(where: { $0.endpoint == endpoint }) {
            effects.failedCalls.append((call, RemoteCallError(.nodeDown, "\(endpoint) is down (\(reason)); call to \(call.actor) failed")))
        }
        if let incarnation {
            effects.firedWatches += removeWatches { watch in
                watch.id.endpoint == endpoint && (watch.id.incarnation == nil || watch.id.incarnation == incarnation)
            }
            effects.events.append(.down(NodeID(endpoint: endpoint, incarnation: incarnation), reason: reason))
        } else if neverHeard {
            effects.firedWatches += removeWatches { $0.id.endpoint == endpoint }
            peers[endpoint]?.watchedSince = nil
        }
        effects.subscribers = Array(subscribers.values)
    }

    /// Records that `node` was heard from; a new incarnation retires the previous one.
    mutating func heard(
        from node: NodeID, at now: ContinuousClock.Instant, viaOutbound: Bool, maximumMessageSize: Int?,
        publicKey: CurveKey?, session: UInt32?, into effects: inout LivenessEffects
    ) {
        var peer = peers[node.endpoint] ?? Peer()
        if let publicKey, publicKey != peer.publicKey {
            peer.publicKey = publicKey
            // A node that could not be called for want of its key can be now.
            if case .unavailable = peer.outbound, peer.connection == nil { peer.outbound = .none }
        }
        if let live = peer.liveIncarnation, live != node.incarnation {
            declareDown(node.endpoint, reason: "restarted as \(node)", into: &effects)
            peer = peers[node.endpoint]!
        } else if peer.liveIncarnation == nil, let down = peer.downIncarnation, down != node.incarnation {
            // Watchers of the life that went down earlier are told it will not come back.
            effects.firedWatches += removeWatches { $0.id.endpoint == node.endpoint && $0.id.incarnation == down }
        }
        if peer.knownIncarnation != node.incarnation {
            // A new life: neither side has declared it down yet.
            peer.session = 0
            peer.sessionAtPeer = 0
        }
        if let session { peer.sessionAtPeer = session }
        peer.lastHeard = now
        peer.watchedSince = nil
        if let maximumMessageSize { peer.maximumMessageSize = maximumMessageSize }
        if peer.liveIncarnation == nil {
            peer.liveIncarnation = node.incarnation
            effects.events.append(.up(node))
            effects.subscribers = Array(subscribers.values)
        }
        if viaOutbound, case .unavailable = peer.outbound, peer.connection != nil {
            peer.outbound = .connected
        }
        peers[node.endpoint] = peer
    }
}

extension ZMQActorSystem {
    /// Carries out what a liveness change decided: fail calls, tell watchers, publish events,
    /// send calls that waited for a connection.
    ///
    /// Watchers and subscribers hear of a node going down before the calls to it fail, so that a
    /// caller seeing `nodeDown` can rely on the watchers having been told.
    func perform(_ effects: LivenessEffects, connection: DealerConnection? = nil) {
        for event in effects.events {
            switch event {
            case let .up(peer): logger.info("peer up", metadata: ["peer": "\(peer)"])
            case let .down(peer, reason): logger.warning("peer down", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
            }
            for subscriber in effects.subscribers { subscriber.yield(event) }
        }
        for watch in effects.firedWatches { watch.onTermination(watch.id) }
        for (call, error) in effects.failedCalls { call.continuation.resume(throwing: error) }
        if let connection {
            for (callID, message) in effects.backlog { send(message, callID: callID, on: connection) }
        }
    }

    /// The DEALER to `endpoint` completed a handshake: calls flow, waiting ones are sent.
    func connectionEstablished(_ connection: DealerConnection) {
        var effects = LivenessEffects()
        state.withLock { state in
            guard var peer = state.peers[connection.endpoint] else { return }
            if case let .connecting(_, backlog) = peer.outbound {
                effects.backlog = backlog.filter { state.pending[$0.callID] != nil }
            }
            peer.outbound = .connected
            state.peers[connection.endpoint] = peer
        }
        perform(effects, connection: connection)
        ping(connection)
    }

    /// The peer refused `connection` during the handshake (this node's key is not allowed, or the
    /// two do not use the same security): calls to it fail, saying why, and the connection is
    /// dropped. The first call after `heartbeatTimeout` tries a new one, so a key added to the
    /// peer's allow-list is used without restarting this node.
    func connectionRefused(_ connection: DealerConnection, reason: String) {
        let endpoint = connection.endpoint
        logger.warning("connection refused", metadata: ["endpoint": "\(endpoint)", "reason": "\(reason)"])
        var effects = LivenessEffects()
        state.withLock { state in
            state.declareDown(endpoint, reason: reason, into: &effects)
            guard state.peers[endpoint]?.connection === connection else { return }
            state.peers[endpoint]?.connection = nil
            state.peers[endpoint]?.refusedAt = .now
        }
        perform(effects)
    }

    /// The DEALER to `endpoint` lost its TCP connection: the peer is down until it answers again.
    func connectionLost(_ endpoint: String) {
        var effects = LivenessEffects()
        state.withLock { $0.declareDown(endpoint, reason: "connection lost", into: &effects) }
        perform(effects)
    }

    /// A peer's connection to this node's ROUTER closed.
    func inboundConnectionLost(fileDescriptor fd: Int32) {
        var effects = LivenessEffects()
        state.withLock { state in
            guard let (endpoint, peer) = state.peers.first(where: { $0.value.inboundFileDescriptor == fd }) else { return }
            state.peers[endpoint]?.inboundFileDescriptor = nil
            if case .connected = peer.outbound { return }
            state.declareDown(endpoint, reason: "connection closed", into: &effects)
        }
        perform(effects)
    }

    /// Messages arrived from these nodes (through the ROUTER, with their connections' descriptors,
    /// or through DEALERs).
    func heard(_ nodes: [Heard], viaOutbound: Bool) {
        guard !nodes.isEmpty else { return }
        let now = ContinuousClock.now
        var effects = LivenessEffects()
        state.withLock { state in
            for heard in nodes {
                let endpoint = heard.node.endpoint
                state.heard(
                    from: heard.node, at: now, viaOutbound: viaOutbound, maximumMessageSize: heard.maximumMessageSize,
                    publicKey: heard.publicKey, session: heard.session, into: &effects)
                if let routingID = heard.routingID { state.peers[endpoint]?.inboundRoutingID = routingID }
                if let fd = heard.fileDescriptor { state.peers[endpoint]?.inboundFileDescriptor = fd }
            }
        }
        if !effects.isEmpty { perform(effects) }
    }

    /// Sends heartbeats and declares silent or unreachable peers down.
    func heartbeatTick(now: ContinuousClock.Instant) {
        var effects = LivenessEffects()
        let timeout = settings.heartbeatTimeout
        let connections = state.withLock { state -> [DealerConnection] in
            var connections: [DealerConnection] = []
            for (endpoint, peer) in state.peers {
                if peer.liveIncarnation != nil, let last = peer.lastHeard, now - last > timeout {
                    state.declareDown(endpoint, reason: "no heartbeat for \(timeout)", into: &effects)
                } else if case let .connecting(since, _) = peer.outbound, now - since > timeout {
                    state.declareDown(endpoint, reason: "could not connect within \(timeout)", into: &effects)
                } else if peer.lastHeard == nil, let since = peer.watchedSince, now - since > timeout {
                    state.declareDown(endpoint, reason: "unreachable for \(timeout)", into: &effects)
                }
                if let connection = state.peers[endpoint]?.connection { connections.append(connection) }
            }
            return connections
        }
        perform(effects)
        for connection in connections { ping(connection) }
    }

    func ping(_ connection: DealerConnection) {
        let sequence = callIDs.add(1, ordering: .relaxed).newValue
        let ping = Envelope.ping(sequence: sequence, maximumMessageSize: settings.maximumMessageSize)
        // Without a connection (`ZMQ_IMMEDIATE`) the ping is dropped: silence is what the timeout measures.
        if connection.socket.send(OutgoingMessage(ping)) { wakeIOThread() }
    }
}
