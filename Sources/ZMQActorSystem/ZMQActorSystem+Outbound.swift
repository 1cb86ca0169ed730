import Distributed
import Synchronization
import ZeroMQ

// MARK: Outbound calls

extension ZMQActorSystem {
    /// What to do with a call once its bookkeeping is done (decided under the state lock).
    private enum Dispatch {
        case fail(any Error)
        case send(DealerConnection, wakeIOThread: Bool)
        case runLocally
        case wait(wakeIOThread: Bool)
    }

    /// Sends a call and waits for its reply, its deadline, or its cancellation.
    func call(_ id: ActorAddress, target: RemoteCallTarget, invocation: ZMQInvocationEncoder) async throws -> InboundReply {
        let timeout = CallOptions.current.timeout ?? settings.defaultCallTimeout
        let callID = callIDs.add(1, ordering: .relaxed).newValue
        let message = invocation.message(callID: callID, to: id, target: target.identifier, timeout: timeout)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let pending = PendingCall(
                    callID: callID, continuation: continuation, endpoint: id.endpoint,
                    deadline: .now + timeout, timeout: timeout, actor: id)
                let dispatch = state.withLock { state in
                    register(pending, message: message, in: &state)
                }
                switch dispatch {
                case let .fail(error):
                    continuation.resume(throwing: error)
                case let .send(connection, wakeIOThread):
                    if wakeIOThread { wakeup.signal() }
                    send(message, callID: callID, on: connection)
                case .runLocally:
                    do {
                        try dispatchLocalCall(frames: message.asReceived())
                    } catch {
                        complete(callID, with: .failure(RemoteCallError(.badPayload, "\(error)")))
                    }
                case let .wait(wakeIOThread):
                    if wakeIOThread { wakeup.signal() }
                }
            }
        } onCancel: {
            complete(callID, with: .failure(CancellationError()))
        }
    }

    private func register(_ call: PendingCall, message: OutgoingMessage, in state: inout State) -> Dispatch {
        guard state.phase == .running else {
            return .fail(RemoteCallError(.shutDown, "\(node) is shutting down; call to \(call.actor) not sent"))
        }
        if Task.isCancelled { return .fail(CancellationError()) }
        let endpoint = call.actor.endpoint
        let wake = call.deadline < state.ioWakeAt
        func track() {
            state.pending[call.callID] = call
            if state.earliestDeadline.map({ call.deadline < $0 }) ?? true { state.earliestDeadline = call.deadline }
        }
        if endpoint == node.endpoint {
            if let incarnation = call.actor.incarnation, incarnation != node.incarnation {
                return .fail(RemoteCallError(.staleIncarnation, "\(call.actor) belonged to an earlier life of this node"))
            }
            track()
            return .runLocally
        }
        // The common case, a connected peer, reads the peer without writing it back.
        if let peer = state.peers[endpoint], case .connected = peer.outbound, let connection = peer.connection {
            if let refusal = refusal(of: call, message: message, by: peer) { return .fail(refusal) }
            Envelope.stampSession(peer.sessionAtPeer, on: message.first)
            track()
            return .send(connection, wakeIOThread: wake)
        }
        var peer = state.peers[endpoint] ?? Peer()
        defer { state.peers[endpoint] = peer }
        if let refusal = refusal(of: call, message: message, by: peer) { return .fail(refusal) }
        Envelope.stampSession(peer.sessionAtPeer, on: message.first)
        switch peer.outbound {
        case .none:
            peer.outbound = .connecting(since: .now, backlog: [(call.callID, message)])
            state.commands.append(.connect(endpoint))
            track()
            return .wait(wakeIOThread: true)
        case .connecting(let since, var backlog):
            backlog.append((call.callID, message))
            peer.outbound = .connecting(since: since, backlog: backlog)
            track()
            return .wait(wakeIOThread: wake)
        case .connected:
            guard let connection = peer.connection else { return .fail(RemoteCallError(.nodeDown, "no connection to \(endpoint)")) }
            track()
            return .send(connection, wakeIOThread: wake)
        case let .unavailable(reason):
            if let refusedAt = peer.refusedAt, peer.connection == nil, ContinuousClock.now - refusedAt >= settings.heartbeatTimeout {
                // Refused a while ago: try again, its allow-list may have changed.
                peer.refusedAt = nil
                peer.outbound = .connecting(since: .now, backlog: [(call.callID, message)])
                state.commands.append(.connect(endpoint))
                track()
                return .wait(wakeIOThread: true)
            }
            return .fail(RemoteCallError(.nodeDown, "\(endpoint) is down (\(reason)); call to \(call.actor) not sent"))
        }
    }

    /// Why `peer` cannot take the call, known before sending: it restarted since the reference
    /// was made, or the message exceeds its size limit.
    private func refusal(of call: PendingCall, message: OutgoingMessage, by peer: Peer) -> RemoteCallError? {
        let endpoint = call.actor.endpoint
        if let live = peer.liveIncarnation, let wanted = call.actor.incarnation, live != wanted {
            return RemoteCallError(.staleIncarnation, "\(call.actor) belonged to an earlier life of \(endpoint), which restarted")
        }
        if let limit = peer.maximumMessageSize, message.byteCount > limit {
            return RemoteCallError(
                .messageTooLarge, "call to \(call.actor) is \(message.byteCount) bytes; \(endpoint) accepts at most \(limit)")
        }
        return nil
    }

    /// Sends an already registered call; a failure to send completes it with an error.
    func send(_ message: OutgoingMessage, callID: UInt64, on connection: DealerConnection) {
        let endpoint = connection.endpoint
        let wake = connection.socket.send(message, deferred: isIOThread) { [weak self] error in
            guard let self else { return }
            // A connection that sends only to a completed handshake (ZMQ_IMMEDIATE) refuses a send the same way
            // when its queue is full and when it has no connection (the peer just went away). The queue holds
            // at most the calls in flight to the peer (and a few heartbeats), so fewer of those than it takes
            // means the peer is gone.
            let inFlight = error.wouldBlock ? self.state.withLock { $0.pending.values.count { $0.endpoint == endpoint } } : 0
            let code: RemoteCallError.Code =
                error.wouldBlock && inFlight >= DealerConnection.sendHighWaterMark ? .sendQueueFull : .nodeDown
            let reason = code == .nodeDown && error.wouldBlock ? "it has no connection to the peer" : "\(error)"
            self.complete(callID, with: .failure(RemoteCallError(code, "sending to \(endpoint) failed: \(reason)")))
        }
        if wake { wakeIOThread() }
    }

    /// Resumes the caller of a pending call, if it is still waiting.
    func complete(_ callID: UInt64, with result: Result<InboundReply, any Error>) {
        guard let call = state.withLock({ $0.pending.removeValue(forKey: callID) }) else {
            if case .success = result {
                logger.debug("reply to a call that already ended (deadline or cancellation)", metadata: ["call": "\(callID)"])
            }
            return
        }
        call.continuation.resume(with: result)
    }

    /// Resumes the callers of several replies, taking the state lock once.
    func complete(replies: [(callID: UInt64, reply: InboundReply)]) {
        guard !replies.isEmpty else { return }
        let waiting = state.withLock { state in
            replies.map { (state.pending.removeValue(forKey: $0.callID), $0.reply) }
        }
        for (call, reply) in waiting {
            guard let call else {
                logger.debug("reply to a call that already ended (deadline or cancellation)")
                continue
            }
            call.continuation.resume(returning: reply)
        }
    }

    /// Fails every call whose deadline has passed; returns when the next one is due.
    func expireCalls(now: ContinuousClock.Instant) {
        let expired = state.withLock { state -> [PendingCall] in
            guard let earliest = state.earliestDeadline, earliest <= now else { return [] }
            let expired = state.removePending { $0.deadline <= now }
            state.earliestDeadline = state.pending.values.lazy.map(\.deadline).min()
            return expired
        }
        for call in expired {
            call.continuation.resume(throwing: RemoteCallError(
                .deadlineExceeded, "call to \(call.actor) got no reply within \(call.timeout)"))
        }
    }
}
