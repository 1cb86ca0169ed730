public import Distributed
import CZeroMQ
import Glibc
import Logging
import Synchronization
import ZeroMQ

/// The distributed actor system every Fulmen process runs on: remote calls over ZeroMQ.
///
/// A node binds one ROUTER socket that receives calls, and opens one DEALER socket per peer it
/// calls. One I/O thread receives on all of them and keeps time (heartbeats, call deadlines);
/// calls and replies are sent by the task that makes them whenever the socket is free (and
/// otherwise by whoever holds it, or the I/O thread), so the cooperative thread pool never blocks
/// and a quiet round trip costs few thread hand-offs. Received calls run on the I/O thread too,
/// so a distributed func should not compute or block for long before its first `await`: give
/// heavy work an actor with its own executor, or a thread of its own. Call `shutdown()` when
/// done.
///
/// ```swift
/// let system = try ZMQActorSystem(settings: .init(bindEndpoint: "tcp://0.0.0.0:7100"))
/// let store = system.makeWellKnown("store") { StoreActor(actorSystem: $0) }
/// // elsewhere:
/// let store = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown("store", at: "tcp://store-host:7100"), using: system)
/// ```
public final class ZMQActorSystem: DistributedActorSystem, Sendable {
    public typealias ActorID = ActorAddress
    public typealias InvocationEncoder = ZMQInvocationEncoder
    public typealias InvocationDecoder = ZMQInvocationDecoder
    public typealias ResultHandler = ZMQResultHandler
    public typealias SerializationRequirement = any Codable

    /// This node: the endpoint peers reach it at, and this process's incarnation.
    public let node: NodeID
    public let settings: Settings
    var logger: Logger { settings.logger }

    let context: Context
    let router: SharedSocket
    let wakeup: WakeupSignal
    let typeRegistry = TypeRegistry()
    let targetSignatures = TargetSignatures()
    let state: Mutex<State>
    let callIDs = Atomic<UInt64>(0)
    /// Where received calls run: the I/O thread.
    let callExecutor: CallExecutor
    /// The I/O thread's `pthread_t` while it runs, 0 before and after.
    let ioThread = Atomic<UInt>(0)

    /// The node's I/O thread, as an executor for tasks that make calls one after another and
    /// compute little in between (a coordinator's loop, a latency-sensitive client).
    ///
    /// A task that prefers it (`Task(executorPreference: system.ioExecutor)`, or
    /// `withTaskExecutorPreference`) sends its calls and is resumed by their replies on the
    /// thread that reads them, with no hand-over to Swift's thread pool: a quiet round trip
    /// takes about a third less time. Everything it runs there delays the node's I/O, so it
    /// must not compute for long or block.
    public var ioExecutor: any TaskExecutor { callExecutor }

    /// Starts a node listening at `settings.bindEndpoint`.
    public init(settings: Settings = Settings()) throws {
        guard settings.maximumMessageSize >= Settings.minimumMessageSizeLimit else {
            throw SettingsError(
                "maximumMessageSize is \(settings.maximumMessageSize) bytes; it must be at least \(Settings.minimumMessageSizeLimit)")
        }
        self.settings = settings
        if settings.keepsLargeBuffersInHeap { Self.keepLargeBuffersInHeap() }
        let incarnation = UInt64.random(in: 1...UInt64.max)
        let context = try Context(ioThreads: 1)
        self.context = context
        let wakeup = try WakeupSignal()
        self.wakeup = wakeup
        callExecutor = CallExecutor(wake: wakeup.signalIfWaiting)

        // With security, the ZAP handler is bound before the listening socket: libzmq admits
        // every CURVE client of a context that has no handler.
        let zap = try settings.security.map { try Self.startZAPHandler($0, in: context) }
        let socket = try Socket(context, kind: .router)
        if let security = settings.security {
            try socket.setOption(ZMQ_CURVE_SERVER, Int32(1))
            try socket.setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(security.keyPair.secretKey.utf8))
        }
        try socket.setOption(ZMQ_ROUTER_MANDATORY, Int32(1))
        // A peer reconnecting with the same routing id (after a network cut) takes over.
        try socket.setOption(ZMQ_ROUTER_HANDOVER, Int32(1))
        try socket.setOption(ZMQ_SNDHWM, Int32(100_000))
        try socket.setOption(ZMQ_RCVHWM, Int32(100_000))
        // Messages up to the limit get a clear error reply; far larger frames end the connection.
        try socket.setOption(ZMQ_MAXMSGSIZE, Int64(settings.maximumMessageSize) * 2)
        let monitorEndpoint = "inproc://fulmen-router-\(incarnation)"
        try socket.monitor(monitorEndpoint, events: [.disconnected, .handshakeFailedProtocol, .handshakeFailedAuth])
        let routerMonitor = try Socket(context, kind: .pair)
        try routerMonitor.connect(monitorEndpoint)
        try socket.bind(Self.zmqEndpoint(settings.bindEndpoint))
        let bound = try socket.lastEndpoint
        node = NodeID(endpoint: Self.advertised(bound, host: settings.advertisedHost), incarnation: incarnation)
        router = try SharedSocket(socket)
        state = Mutex(State())
        startIOThread(routerMonitor: routerMonitor, zap: zap)
        logger.debug("node started", metadata: ["node": "\(node)"])
    }

    /// The socket that answers libzmq's ZAP requests for this node's context, and its handler.
    /// - Throws: `SettingsError` when libzmq lacks CURVE, `SecurityError` when the allow-list
    ///   file cannot be read.
    private static func startZAPHandler(_ security: Security, in context: Context) throws -> (socket: Socket, handler: ZAPHandler) {
        guard Curve.isAvailable else {
            throw SettingsError("security: this libzmq was built without CURVE (libsodium), so connections cannot be encrypted")
        }
        let handler = ZAPHandler(allowList: security.allowList, ownKey: security.keyPair.publicKey)
        if let error = handler.loadError { throw error }
        let socket = try Socket(context, kind: .rep)
        try socket.bind("inproc://zeromq.zap.01")
        return (socket, handler)
    }

    /// `tcp://host:0` means "any free port" to us; libzmq spells that `tcp://host:*`.
    static func zmqEndpoint(_ endpoint: String) -> String {
        endpoint.hasSuffix(":0") ? String(endpoint.dropLast()) + "*" : endpoint
    }

    /// Replaces a wildcard host in a bound endpoint with one that peers can connect to.
    static func advertised(_ bound: String, host: String?) -> String {
        guard let schemeEnd = bound.firstRange(of: "://"), let colon = bound.lastIndex(of: ":"), colon > schemeEnd.upperBound else {
            return bound
        }
        let boundHost = bound[schemeEnd.upperBound..<colon]
        guard boundHost == "0.0.0.0" || boundHost == "*" || boundHost == "[::]" else { return bound }
        let name = host ?? {
            var buffer = [CChar](repeating: 0, count: 256)
            gethostname(&buffer, buffer.count)
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }()
        return bound[..<schemeEnd.upperBound] + name + bound[colon...]
    }

    /// Raises glibc's mmap threshold to its maximum (32 MiB) and its trim threshold with it.
    ///
    /// Otherwise every buffer above 128 KiB is mapped fresh and unmapped when freed, so each
    /// multi-megabyte message pays a page fault per 4 KiB page, several times over.
    private static func keepLargeBuffersInHeap() {
        mallopt(M_MMAP_THRESHOLD, 32 << 20)
        mallopt(M_TRIM_THRESHOLD, 128 << 20)
    }

    // MARK: Naming actors

    /// Creates an actor registered under a fixed `name`, so that other nodes reach it with
    /// `ActorAddress.wellKnown(name, at: node.endpoint)` and no lookup.
    ///
    /// - Precondition: no other live actor on this node has that name.
    public func makeWellKnown<Act: DistributedActor>(_ name: String, _ make: (ZMQActorSystem) throws -> Act) rethrows -> Act
    where Act.ActorSystem == ZMQActorSystem {
        let reservation = NameReservation(name)
        return try Self.$nameReservation.withValue(reservation) { try make(self) }
    }

    @TaskLocal static var nameReservation: NameReservation?

    /// A name waiting for the next actor created by the current task; taken once.
    final class NameReservation: Sendable {
        private let name: Mutex<String?>
        init(_ name: String) { self.name = Mutex(name) }
        func take() -> String? { name.withLock { name in defer { name = nil }; return name } }
    }

    // MARK: DistributedActorSystem

    public func assignID<Act: DistributedActor>(_ actorType: Act.Type) -> ActorAddress where Act.ID == ActorAddress {
        let wellKnown = Self.nameReservation?.take()
        let name = state.withLock { state -> String in
            if let wellKnown {
                precondition(state.actors[wellKnown]?.actor == nil, "an actor named '\(wellKnown)' already lives on \(node)")
                state.actors[wellKnown] = WeakActor()
                return wellKnown
            }
            state.nextActorNumber += 1
            return "\(Act.self)-\(state.nextActorNumber)"
        }
        return ActorAddress(endpoint: node.endpoint, incarnation: node.incarnation, name: name)
    }

    public func actorReady<Act: DistributedActor>(_ actor: Act) where Act.ID == ActorAddress {
        state.withLock { $0.actors[actor.id.name] = WeakActor(actor) }
    }

    public func resignID(_ id: ActorAddress) {
        let fired = state.withLock { state -> [Watch] in
            state.actors[id.name] = nil
            return state.removeWatches { $0.id == id }
        }
        for watch in fired { watch.onTermination(id) }
    }

    public func resolve<Act: DistributedActor>(id: ActorAddress, as actorType: Act.Type) throws -> Act?
    where Act.ID == ActorAddress {
        guard isLocal(id) else { return nil }
        // A local actor of another static type (a `@Resolvable` stub, say) gets a proxy,
        // whose calls `remoteCall` runs on this node.
        return state.withLock { $0.actors[id.name]?.actor } as? Act
    }

    public func makeInvocationEncoder() -> ZMQInvocationEncoder {
        ZMQInvocationEncoder(system: self)
    }

    public func remoteCall<Act, Err, Res>(
        on actor: Act, target: RemoteCallTarget, invocation: inout InvocationEncoder,
        throwing: Err.Type, returning: Res.Type
    ) async throws -> Res where Act: DistributedActor, Act.ID == ActorAddress, Err: Error, Res: Codable {
        let reply = try await call(actor.id, target: target, invocation: invocation)
        return try reply.value(Res.self, system: self)
    }

    public func remoteCallVoid<Act, Err>(
        on actor: Act, target: RemoteCallTarget, invocation: inout InvocationEncoder, throwing: Err.Type
    ) async throws where Act: DistributedActor, Act.ID == ActorAddress, Err: Error {
        let reply = try await call(actor.id, target: target, invocation: invocation)
        try reply.void()
    }

    /// Wakes the I/O thread if it sleeps: a message waits in an outbox, or a send found input
    /// waiting that libzmq will not signal again.
    func wakeIOThread() {
        wakeup.signalIfWaiting()
    }

    /// Whether the calling thread is the I/O thread (which flushes what it queues itself).
    var isIOThread: Bool {
        pthread_self() == ioThread.load(ordering: .relaxed)
    }

    func isLocal(_ id: ActorAddress) -> Bool {
        id.matches(node)
    }
}

/// A weak reference to a local actor, so that the registry does not keep actors alive.
struct WeakActor {
    weak var actor: (any DistributedActor)?

    init(_ actor: (any DistributedActor)? = nil) {
        self.actor = actor
    }
}
