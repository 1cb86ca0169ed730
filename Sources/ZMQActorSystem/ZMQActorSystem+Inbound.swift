import Distributed
import Logging
import ZeroMQ

// MARK: Inbound calls

extension ZMQActorSystem {
    /// The node that made the call the current task is executing: this node for calls made
    /// locally, nil outside distributed calls. A store uses it to learn which runner node holds
    /// an attempt, and to watch that node.
    @TaskLocal public static var currentCaller: NodeID?

    /// The key a remote caller's connection was admitted with, and what the allow-list says of
    /// that key when the call arrived.
    public struct CallerKey: Sendable, Hashable {
        public let key: CurveKey
        /// The key's allow-list line as this node last read it (the file is looked at again every
        /// `heartbeatInterval`): nil when the key is not on the list, because it was removed since
        /// its connection was admitted, or because it is this node's own key and has no line.
        public let entry: AllowList.Entry?

        public init(key: CurveKey, entry: AllowList.Entry?) {
            self.key = key
            self.entry = entry
        }
    }

    /// The key of the call the current task is executing, on a node with `Settings.security`: the
    /// actor system guarantees every call received over the network has one (a message without one
    /// is dropped). nil for calls made on this node, for nodes without security (plain text, where
    /// callers cannot be told apart), and outside distributed calls. What a key's line means (e.g.
    /// a role in an attribute) is for the called actor to decide.
    @TaskLocal public static var currentCallerKey: CallerKey?

    /// Parses a call made on this node and starts executing it.
    func dispatchLocalCall(frames: [Message]) throws {
        let header = try Envelope.parseHeader(frames[0])
        guard case let .call(callHeader) = header else { throw WireFormatError.malformed("expected a call") }
        start(InboundCall(header: callHeader, frames: frames, replyRoute: .local, caller: node))
    }

    /// What becomes of a received call.
    private enum Admission {
        case run((any DistributedActor)?)
        case shuttingDown
        /// Made before this node declared its caller down; the caller's session is now `session`.
        case sessionEnded(session: UInt32, caller: NodeID, routingID: [UInt8])
    }

    /// Starts executing a received call in a task of its own, on the I/O thread (`CallExecutor`),
    /// unless this node is shutting down or declared the caller down after the call was made.
    func start(_ call: InboundCall) {
        let admission = state.withLock { state -> Admission in
            guard state.phase == .running else { return .shuttingDown }
            if case let .router(routingID) = call.replyRoute, let caller = call.caller,
               let session = state.sessionEnded(for: caller, callSession: call.header.session)
            {
                return .sessionEnded(session: session, caller: caller, routingID: routingID)
            }
            state.executing += 1
            return .run(state.actors[call.header.actorName]?.actor)
        }
        switch admission {
        case let .run(actor):
            Task(executorPreference: callExecutor) {
                await self.execute(call, on: actor)
                self.state.withLock { $0.executing -= 1 }
            }
        case .shuttingDown:
            replyFailure(to: call, .shutDown, "\(node) is shutting down")
        case let .sessionEnded(session, caller, routingID):
            logger.notice(
                "refused a call made before its caller was declared down",
                metadata: ["caller": "\(caller)", "actor": "\(call.header.actorName)", "target": "\(RemoteCallTarget(call.header.target))"])
            // The pong goes first, so that the caller knows its new session when the refusal arrives.
            pong(sequence: 0, to: caller, routingID: routingID, session: session)
            replyFailure(
                to: call, .nodeDown,
                "\(node.endpoint) had declared \(caller) down after this call to \(call.header.actorName) was made; it did not run")
        }
    }

    /// Answers a ping of `peer` (or tells it its session unasked, with sequence 0).
    func pong(sequence: UInt64, to peer: NodeID, routingID: [UInt8], session: UInt32? = nil) {
        let session = session ?? state.withLock { $0.session(with: peer) }
        let pong = Envelope.pong(
            sequence: sequence, incarnation: node.incarnation, maximumMessageSize: settings.maximumMessageSize, session: session)
        if router.send(OutgoingMessage(pong), routingID: routingID, deferred: isIOThread) { wakeIOThread() }
    }

    /// Runs a call on `actor`, the local actor its header names (nil when there is none).
    private func execute(_ call: InboundCall, on actor: (any DistributedActor)?) async {
        let header = call.header
        let size = call.frames.reduce(0) { $0 + $1.count }
        if size > settings.maximumMessageSize {
            return replyFailure(
                to: call, .messageTooLarge, "call of \(size) bytes exceeds \(node.endpoint)'s limit of \(settings.maximumMessageSize)")
        }
        if let incarnation = header.targetIncarnation, incarnation != node.incarnation {
            return replyFailure(
                to: call, .staleIncarnation, "\(header.actorName) belonged to an earlier life of \(node.endpoint), which restarted")
        }
        guard let actor else {
            logger.info("call to an unknown actor", metadata: ["actor": "\(header.actorName)", "caller": "\(call.caller.map(\.description) ?? "?")"])
            return replyFailure(to: call, .unknownActor, "no actor named '\(header.actorName)' on \(node.endpoint)")
        }
        var decoder = ZMQInvocationDecoder(system: self, call: call)
        let handler = ZMQResultHandler(system: self, call: call)
        let signature = header.substitutions.isEmpty ? targetSignatures.signature(of: header.target) : nil
        do {
            try await Self.$currentCaller.withValue(call.caller) {
                try await Self.$currentCallerKey.withValue(call.callerKey) {
                    if let signature {
                        try await execute(signature, on: actor, decoder: &decoder, handler: handler)
                    } else {
                        try await executeDistributedTarget(
                            on: actor, target: RemoteCallTarget(header.target), invocationDecoder: &decoder, handler: handler)
                    }
                }
            }
        } catch {
            // Errors of the call itself reach `ZMQResultHandler.onThrow`; this is the runtime
            // refusing to start it.
            logger.info("call could not be executed", metadata: ["actor": "\(header.actorName)", "error": "\(error)"])
            replyFailure(to: call, .unknownMethod, "\(header.actorName) on \(node.endpoint) cannot run \(header.target): \(error)")
        }
    }

    /// Answers a call made in another version of the wire format with a `versionMismatch` failure
    /// naming both versions, in the caller's version (whose replies share this one's layout).
    func refuse(_ call: Envelope.ForeignCall, from caller: NodeID, routingID: [UInt8]) {
        let message = "\(node.endpoint) speaks version \(Envelope.version) of the wire format and cannot run this call, "
            + "made in version \(call.version) by \(caller.endpoint): run the same release of Fulmen on both"
        logger.warning(
            "refused a call made in another version of the wire format",
            metadata: ["caller": "\(caller)", "its version": "\(call.version)", "this node's": "\(Envelope.version)"])
        let reply = Envelope.versionRefusal(version: call.version, callID: call.callID, message: message)
        if router.send(OutgoingMessage(reply), routingID: routingID, deferred: isIOThread) { wakeIOThread() }
    }

    /// Answers a call with a failure of the actor system (not an error of the actor's own).
    func replyFailure(to call: InboundCall, _ code: RemoteCallError.Code, _ message: String) {
        var writer = ByteWriter(capacity: 64 + message.utf8.count)
        Envelope.beginReply(&writer, callID: call.header.callID, status: .failure)
        Envelope.writeFailure(&writer, code: code, message: message)
        sendReply(OutgoingMessage(first: writer.take(), blobs: []), to: call)
    }

    /// Sends a reply back the way its call came.
    func sendReply(_ reply: OutgoingMessage, to call: InboundCall) {
        switch call.replyRoute {
        case .local:
            deliverReply(reply.asReceived())
        case let .router(routingID):
            // Every node accepts at least `Settings.minimumMessageSizeLimit`: smaller replies need no look-up.
            if reply.byteCount > Settings.minimumMessageSizeLimit, let caller = call.caller,
               let limit = state.withLock({ $0.peers[caller.endpoint]?.maximumMessageSize }),
               reply.byteCount > limit
            {
                return replyFailure(
                    to: call, .messageTooLarge, "the reply is \(reply.byteCount) bytes; the caller accepts at most \(limit)")
            }
            let logger = self.logger
            let caller = call.caller
            let wake = router.send(reply, routingID: routingID, deferred: isIOThread) { error in
                logger.info("reply not delivered", metadata: ["caller": "\(caller.map(\.description) ?? "?")", "error": "\(error)"])
            }
            if wake { wakeIOThread() }
        }
    }

    /// Completes the pending call a reply answers.
    func deliverReply(_ frames: [Message]) {
        let header: Envelope.Header
        do {
            header = try Envelope.parseHeader(frames[0])
        } catch {
            return logger.warning("dropped a malformed reply", metadata: ["error": "\(error)"])
        }
        guard case let .reply(callID, status, bodyOffset) = header else {
            return logger.warning("dropped an unexpected message on a call connection")
        }
        complete(callID, with: .success(InboundReply(frames: frames, status: status, bodyOffset: bodyOffset)))
    }
}
