import Glibc
import Logging
import ZeroMQ

extension ZMQActorSystem {
    /// Starts the node's I/O thread, which owns the socket monitors and the ZAP handler, and
    /// reads every socket.
    func startIOThread(routerMonitor: Socket, zap: (socket: Socket, handler: ZAPHandler)?) {
        let handOver = SocketHandOver(routerMonitor: routerMonitor, zap: zap)
        startThread { [self] in
            IOLoop(system: self, routerMonitor: handOver.routerMonitor, zap: handOver.zap).run()
        }
    }

    /// Stops accepting calls, lets calls being executed finish (up to
    /// `Settings.shutdownGracePeriod`), fails calls still waiting for replies, and closes every
    /// socket. Call it once the node's work is done; the node cannot be used afterwards.
    public func shutdown() async {
        let first = state.withLock { state -> Bool in
            guard state.phase == .running else { return false }
            state.phase = .draining
            return true
        }
        if first {
            let giveUp = ContinuousClock.now + settings.shutdownGracePeriod
            while state.withLock({ $0.executing > 0 }), ContinuousClock.now < giveUp {
                try? await Task.sleep(for: .milliseconds(5))
            }
            let (waiting, subscribers) = state.withLock { state in
                state.phase = .stopped
                let waiting = state.removePending { _ in true }
                return (waiting, Array(state.subscribers.values))
            }
            for call in waiting {
                call.continuation.resume(throwing: RemoteCallError(.shutDown, "\(node) shut down before \(call.actor) replied"))
            }
            for subscriber in subscribers { subscriber.finish() }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let running = state.withLock { state -> Bool in
                guard state.ioRunning else { return false }
                state.ioStopped.append(continuation)
                state.commands.append(.stop)
                return true
            }
            if running { wakeup.signal() } else { continuation.resume() }
        }
    }
}

/// Sockets created by one thread and then used only by the I/O thread.
///
/// The creating thread gives them up before the I/O thread starts and never touches them again,
/// so no socket is used by two threads; that is why the unchecked `Sendable` is safe.
private final class SocketHandOver: @unchecked Sendable {
    let routerMonitor: Socket
    let zap: (socket: Socket, handler: ZAPHandler)?
    init(routerMonitor: Socket, zap: (socket: Socket, handler: ZAPHandler)?) {
        self.routerMonitor = routerMonitor
        self.zap = zap
    }
}

/// Runs `body` on a new OS thread (not a thread of Swift's cooperative pool).
private func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, box)
    precondition(status == 0, "pthread_create failed: \(status)")
    pthread_detach(thread)
}

/// The I/O thread's loop: wait for input, read it, keep time.
private final class IOLoop {
    let system: ZMQActorSystem
    let routerMonitor: Socket
    /// The REP socket answering libzmq's ZAP requests, and who it admits (with security only).
    var zap: (socket: Socket, handler: ZAPHandler)?
    /// Refused keys already reported at warning level; later refusals are logged at debug.
    var reportedRefusals: Set<CurveKey> = []
    /// Connections this node opened, each with the monitor socket that reports its events.
    var connections: [(connection: DealerConnection, monitor: Socket)] = []
    var poller = Poller()
    var pollSetChanged = true
    var nextTick = ContinuousClock.now
    var monitorCount = 0
    var logger: Logger { system.logger }

    init(system: ZMQActorSystem, routerMonitor: Socket, zap: (socket: Socket, handler: ZAPHandler)?) {
        self.system = system
        self.routerMonitor = routerMonitor
        self.zap = zap
    }

    func run() {
        system.ioThread.store(pthread_self(), ordering: .relaxed)
        while true {
            // After the poll set changes, every socket is read once: a descriptor tells only of
            // input that arrives after its socket was last read.
            var readEverything = pollSetChanged
            if pollSetChanged { rebuildPollSet() }
            let now = ContinuousClock.now
            let wakeAt = system.state.withLock { state -> ContinuousClock.Instant in
                let wakeAt = min(nextTick, state.earliestDeadline ?? nextTick)
                state.ioWakeAt = wakeAt
                return wakeAt
            }
            var timeout = wakeAt > now ? Int((wakeAt - now).milliseconds) : 0
            system.wakeup.prepareToWait()
            if readEverything || system.callExecutor.hasJobs || system.router.needsAttention
                || connections.contains(where: { $0.connection.socket.needsAttention })
            {
                timeout = 0
            }
            do {
                _ = try poller.poll(timeoutMilliseconds: timeout)
            } catch {
                logger.error("poll failed", metadata: ["error": "\(error)"])
            }
            system.wakeup.stopWaiting()
            if poller.isReadable(PollIndex.wakeup) { system.wakeup.drain() }
            let commands = system.state.withLock { state in
                defer { state.commands.removeAll() }
                return state.commands
            }
            for command in commands {
                switch command {
                case let .connect(endpoint): open(endpoint)
                case .stop: return stop()
                }
            }
            // A connection opened just now is not in the poll set yet.
            readEverything = readEverything || pollSetChanged
            system.router.flush()
            for (connection, _) in connections { connection.socket.flush() }
            if readEverything || poller.isReadable(PollIndex.router) || system.router.mayHaveInput { readRouter() }
            for (index, (connection, _)) in connections.enumerated()
            where readEverything || poller.isReadable(PollIndex.connection(index)) || connection.socket.mayHaveInput {
                read(connection)
            }
            system.callExecutor.runQueuedJobs()
            // The replies and calls those jobs sent wait in the outboxes.
            system.router.flush()
            for (connection, _) in connections { connection.socket.flush() }
            readMonitors(readEverything: readEverything)
            if readEverything || poller.isReadable(PollIndex.zap) { answerZAPRequests() }
            let after = ContinuousClock.now
            if after >= nextTick {
                system.heartbeatTick(now: after)
                // Calls are judged by the allow-list as it is, not as it was when their connection was admitted.
                if let reload = zap?.handler.reloadIfChanged() { report(reload) }
                nextTick = after + system.settings.heartbeatInterval
            }
            system.expireCalls(now: after)
        }
    }

    /// Where each descriptor sits in the poll set. Sockets only this thread uses (monitors, the
    /// ZAP handler's) are polled by descriptor too, and read only when it signals, which saves
    /// the system calls libzmq makes to look at a socket.
    private enum PollIndex {
        static let wakeup = 0
        static let router = 1
        static let routerMonitor = 2
        /// The ZAP socket's descriptor, or -1 (never readable) without security.
        static let zap = 3
        static func connection(_ index: Int) -> Int { 4 + 2 * index }
        static func connectionMonitor(_ index: Int) -> Int { 5 + 2 * index }
    }

    private func rebuildPollSet() {
        poller.removeAll()
        poller.add(fileDescriptor: system.wakeup.fileDescriptor)
        poller.add(fileDescriptor: system.router.fileDescriptor)
        poller.add(fileDescriptor: descriptor(of: routerMonitor))
        poller.add(fileDescriptor: zap.map { descriptor(of: $0.socket) } ?? -1)
        for (connection, monitor) in connections {
            poller.add(fileDescriptor: connection.socket.fileDescriptor)
            poller.add(fileDescriptor: descriptor(of: monitor))
        }
        pollSetChanged = false
    }

    /// A socket's descriptor for polling; -1 (never readable) if libzmq cannot give it.
    private func descriptor(of socket: Socket) -> Int32 {
        do {
            return try socket.fileDescriptor
        } catch {
            logger.error("cannot poll a socket", metadata: ["error": "\(error)"])
            return -1
        }
    }

    private func open(_ endpoint: String) {
        var curve: DealerConnection.Curve?
        if let security = system.settings.security {
            guard let serverKey = security.serverKeys[endpoint] ?? system.state.withLock({ $0.peers[endpoint]?.publicKey }) else {
                return cannotConnect(
                    endpoint,
                    reason: "no CURVE public key is known for \(endpoint): give it in Security.serverKeys (fulmen: --store-key) "
                        + "or let that node connect to this one first")
            }
            curve = DealerConnection.Curve(keyPair: security.keyPair, serverKey: serverKey)
        }
        monitorCount += 1
        let monitorEndpoint = "inproc://fulmen-dealer-\(system.node.incarnation)-\(monitorCount)"
        do {
            let connection = try DealerConnection(
                context: system.context, to: endpoint, from: system.node, settings: system.settings, curve: curve,
                monitorEndpoint: monitorEndpoint)
            let monitor = try Socket(system.context, kind: .pair)
            try monitor.connect(monitorEndpoint)
            try connection.start()
            connections.append((connection, monitor))
            system.state.withLock { $0.peers[endpoint]?.connection = connection }
            pollSetChanged = true
        } catch {
            cannotConnect(endpoint, reason: "cannot connect: \(error)")
        }
    }

    /// The connection to `endpoint` cannot be made: calls to it fail with `reason`.
    private func cannotConnect(_ endpoint: String, reason: String) {
        logger.error("cannot connect", metadata: ["endpoint": "\(endpoint)", "reason": "\(reason)"])
        var effects = LivenessEffects()
        system.state.withLock { $0.declareDown(endpoint, reason: reason, into: &effects) }
        system.perform(effects)
    }

    /// Reads everything waiting on the ROUTER: calls to execute, pings to answer.
    private func readRouter() {
        let secure = system.settings.security != nil
        while true {
            let (messages, more, error) = system.router.receive(limit: 256)
            if let error { logger.error("receive failed", metadata: ["error": "\(error)"]) }
            // What was heard from each sender, by routing id: one liveness update per peer.
            var heard: [[UInt8]: Heard] = [:]
            for frames in messages {
                guard frames.count >= 2,
                      let sender = frames[0].withUnsafeBytes({ Envelope.node(fromRoutingID: $0) })
                else {
                    logger.warning("dropped a message from a peer that is not a Fulmen node")
                    continue
                }
                let routingID = frames[0].bytes
                let bodies: [[Message]]
                do {
                    bodies = try Envelope.unbatch(frames[1]).map { $0.map { [$0] } } ?? [Array(frames.dropFirst())]
                } catch {
                    logger.warning("dropped a malformed batch", metadata: ["peer": "\(sender)", "error": "\(error)"])
                    continue
                }
                var entry = heard[routingID] ?? Heard(
                    node: sender, routingID: routingID, fileDescriptor: frames[1].sourceFileDescriptor,
                    // The key the ZAP handler admitted this connection with: the sender's own.
                    publicKey: secure ? frames[1].property("User-Id").flatMap { try? CurveKey(z85: $0) } : nil)
                var callerKey: ZMQActorSystem.CallerKey?
                if secure {
                    // Fail closed: a call without its key would run as if security were off.
                    guard let key = entry.publicKey else {
                        logger.error("dropped a message that carries no admitted key", metadata: ["peer": "\(sender)"])
                        continue
                    }
                    callerKey = ZMQActorSystem.CallerKey(key: key, entry: zap?.handler.entry(for: key))
                }
                for body in bodies {
                    entry.maximumMessageSize =
                        handle(body, from: sender, routingID: routingID, callerKey: callerKey) ?? entry.maximumMessageSize
                }
                heard[routingID] = entry
            }
            system.heard(Array(heard.values), viaOutbound: false)
            if !more { return }
        }
    }

    /// Starts a received call or answers a ping; returns the sender's size limit if it said. A call
    /// made in another version of the wire format is refused, naming both versions.
    private func handle(_ body: [Message], from sender: NodeID, routingID: [UInt8], callerKey: ZMQActorSystem.CallerKey?) -> Int? {
        if let foreign = body[0].withUnsafeBytes({ Envelope.foreignCall($0) }) {
            system.refuse(foreign, from: sender, routingID: routingID)
            return nil
        }
        do {
            let header = try Envelope.parseHeader(body[0])
            switch header {
            case let .call(callHeader):
                system.start(InboundCall(
                    header: callHeader, frames: body, replyRoute: .router(routingID: routingID), caller: sender, callerKey: callerKey))
            case let .ping(sequence, maximumMessageSize):
                system.pong(sequence: sequence, to: sender, routingID: routingID)
                return maximumMessageSize
            case .reply, .pong:
                logger.warning("dropped a reply sent to the call port", metadata: ["peer": "\(sender)"])
            }
        } catch {
            logger.warning("dropped a malformed message", metadata: ["peer": "\(sender)", "error": "\(error)"])
        }
        return nil
    }

    /// Reads everything waiting on a DEALER: replies and pongs.
    private func read(_ connection: DealerConnection) {
        while true {
            let (messages, more, error) = connection.socket.receive(limit: 256)
            if let error { logger.error("receive failed", metadata: ["endpoint": "\(connection.endpoint)", "error": "\(error)"]) }
            var heard: [Heard] = []
            var replies: [[Message]] = []
            for frames in messages {
                do {
                    if let batch = try Envelope.unbatch(frames[0]) {
                        replies += batch.map { [$0] }
                    } else {
                        replies.append(frames)
                    }
                } catch {
                    logger.warning("dropped a malformed batch", metadata: ["endpoint": "\(connection.endpoint)", "error": "\(error)"])
                }
            }
            var completed: [(callID: UInt64, reply: InboundReply)] = []
            for frames in replies {
                let header: Envelope.Header
                do {
                    header = try Envelope.parseHeader(frames[0])
                } catch {
                    logger.warning("dropped a malformed message", metadata: ["endpoint": "\(connection.endpoint)", "error": "\(error)"])
                    continue
                }
                switch header {
                case let .reply(callID, status, bodyOffset):
                    completed.append((callID, InboundReply(frames: frames, status: status, bodyOffset: bodyOffset)))
                case let .pong(_, incarnation, limit, session):
                    heard.append(Heard(
                        node: NodeID(endpoint: connection.endpoint, incarnation: incarnation), maximumMessageSize: limit,
                        session: session))
                case .call, .ping:
                    logger.warning("dropped a call sent to a reply port", metadata: ["endpoint": "\(connection.endpoint)"])
                }
            }
            // Pongs first: the session in the pong sent ahead of a refusal is known before the
            // refused caller can call again.
            system.heard(heard, viaOutbound: true)
            system.complete(replies: completed)
            if !more { return }
        }
    }

    /// Reads the monitors whose descriptors signalled (or all of them).
    private func readMonitors(readEverything: Bool) {
        while readEverything || poller.isReadable(PollIndex.routerMonitor), let event = try? MonitorEvent.receive(from: routerMonitor) {
            if event.kind.contains(.disconnected) {
                system.inboundConnectionLost(fileDescriptor: event.value)
            } else if event.kind.contains(.handshakeFailedAuth) {
                // The ZAP handler has reported whom it refused.
                logger.debug("refused a connection", metadata: ["listener": "\(event.endpoint)", "status": "\(event.value)"])
            } else {
                logger.warning(
                    "refused a connection that failed the handshake",
                    metadata: ["listener": "\(event.endpoint)", "reason": "\(HandshakeFailure(inbound: event, secure: system.settings.security != nil))"])
            }
        }
        var refused: [DealerConnection] = []
        for (index, (connection, monitor)) in connections.enumerated()
        where readEverything || poller.isReadable(PollIndex.connectionMonitor(index)) {
            while let event = try? MonitorEvent.receive(from: monitor) {
                if event.kind.contains(.handshakeSucceeded) {
                    connection.socket.takeCommands()
                    system.connectionEstablished(connection)
                } else if event.kind.contains(.disconnected) {
                    // What the peer sent before it went (the reply to a call that told it to stop, say) is
                    // taken before its calls are failed.
                    read(connection)
                    system.connectionLost(connection.endpoint)
                } else {
                    system.connectionRefused(connection, reason: "\(HandshakeFailure(outbound: event, to: connection))")
                    refused.append(connection)
                    break
                }
            }
        }
        // libzmq gives up on a connection whose handshake was refused; the next call after a
        // while opens a new one (`ZMQActorSystem.connectionRefused`).
        for connection in refused {
            guard let index = connections.firstIndex(where: { $0.connection === connection }) else { continue }
            connections[index].monitor.close()
            connection.socket.close()
            connections.remove(at: index)
            pollSetChanged = true
        }
    }

    /// Logs what reading the allow-list file again gave.
    private func report(_ reload: Result<Int, SecurityError>) {
        switch reload {
        case let .success(count): logger.info("allow-list read", metadata: ["keys": "\(count)"])
        case let .failure(error):
            logger.error(
                "allow-list unusable: refusing every new connection; calls carry no allow-list line until it is fixed",
                metadata: ["error": "\(error)"])
        }
    }

    /// Answers every waiting ZAP request: which clients may complete a CURVE handshake.
    private func answerZAPRequests() {
        guard let socket = zap?.socket else { return }
        while let request = try? socket.receiveMultipart(), let answer = zap?.handler.answer(request.map(\.bytes)) {
            for (index, frame) in answer.reply.enumerated() {
                do {
                    try socket.send(frame, more: index < answer.reply.count - 1)
                } catch {
                    logger.error("cannot answer a ZAP request", metadata: ["error": "\(error)"])
                    break
                }
            }
            if let reload = answer.reload { report(reload) }
            switch answer.decision {
            case let .admitted(key, name):
                logger.debug("admitted a node", metadata: ["key": "\(key)", "name": "\(name)", "address": "\(answer.address)"])
            case let .refused(key):
                let first = reportedRefusals.count < 1024 && reportedRefusals.insert(key).inserted
                logger.log(
                    level: first ? .warning : .debug, "refused a node whose key is not on the allow-list",
                    metadata: ["key": "\(key)", "address": "\(answer.address)"])
            case let .malformed(problem):
                logger.warning("refused a connection", metadata: ["reason": "\(problem)", "address": "\(answer.address)"])
            }
        }
    }

    private func stop() {
        system.callExecutor.stop()
        // A later thread may be given the same `pthread_t`: it must not defer its sends.
        system.ioThread.store(0, ordering: .relaxed)
        for (connection, monitor) in connections {
            connection.socket.close()
            monitor.close()
        }
        connections.removeAll()
        // Replies to the calls that finished while draining may still be queued: give them a
        // moment to reach the network before the socket goes.
        system.router.flush()
        system.router.close(linger: .milliseconds(500))
        routerMonitor.close()
        // Last: a context without a ZAP handler would admit any CURVE client.
        zap?.socket.close()
        let waiting = system.state.withLock { state in
            state.ioRunning = false
            defer { state.ioStopped.removeAll() }
            return state.ioStopped
        }
        for continuation in waiting { continuation.resume() }
    }
}
