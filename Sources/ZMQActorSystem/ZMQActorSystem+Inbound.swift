import Distributed
import Logging
import ZeroMQ

// MARK: Inbound calls

extension ZMQActorSystem {
    /// The node that made the call the current task is executing: this node for calls made
    /// locally, nil outside distributed calls. A store uses it to learn which runner node holds
    /// an attempt, and to watch that node.
    @TaskLocal public static var currentCaller: NodeID?

    /// Parses a call made on this node and starts executing it.
    func dispatchLocalCall(frames: [Message]) throws {
        let header = try Envelope.parseHeader(frames[0])
        guard case let .call(callHeader) = header else { throw WireFormatError.malformed("expected a call") }
        start(InboundCall(header: callHeader, frames: frames, replyRoute: .local, caller: node))
    }

    /// Starts executing a received call in a task of its own, on the I/O thread (`CallExecutor`).
    func start(_ call: InboundCall) {
        let (accepted, actor) = state.withLock { state -> (Bool, (any DistributedActor)?) in
            guard state.phase == .running else { return (false, nil) }
            state.executing += 1
            return (true, state.actors[call.header.actorName]?.actor)
        }
        guard accepted else {
            return replyFailure(to: call, .shutDown, "\(node) is shutting down")
        }
        Task(executorPreference: callExecutor) {
            await self.execute(call, on: actor)
            self.state.withLock { $0.executing -= 1 }
        }
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
                if let signature {
                    try await execute(signature, on: actor, decoder: &decoder, handler: handler)
                } else {
                    try await executeDistributedTarget(
                        on: actor, target: RemoteCallTarget(header.target), invocationDecoder: &decoder, handler: handler)
                }
            }
        } catch {
            // Errors of the call itself reach `ZMQResultHandler.onThrow`; this is the runtime
            // refusing to start it.
            logger.info("call could not be executed", metadata: ["actor": "\(header.actorName)", "error": "\(error)"])
            replyFailure(to: call, .unknownMethod, "\(header.actorName) on \(node.endpoint) cannot run \(header.target): \(error)")
        }
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
