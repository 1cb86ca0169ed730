import CZeroMQ
import Glibc
import Testing
import ZeroMQ

@Suite("ZeroMQ")
struct ZeroMQTests {
    let context = try! Context()

    struct TimedOut: Error {}

    func receive(_ socket: Socket) throws -> [Message] {
        for _ in 0..<2000 {
            if let frames = try socket.receiveMultipart() { return frames }
            usleep(1000)
        }
        throw TimedOut()
    }

    @Test func dealerAndRouterExchangeMultipartMessages() throws {
        let router = try Socket(context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, kind: .dealer)
        try dealer.setOption(ZMQ_ROUTING_ID, bytes: Array("client".utf8))
        try dealer.connect(try router.lastEndpoint)

        let large = [UInt8](repeating: 9, count: 1 << 20)
        try dealer.send([1, 2, 3], more: true)
        try large.withUnsafeBytes { try dealer.send(OwnedBytes(copying: $0)) }
        let frames = try receive(router)
        #expect(frames.map(\.count) == [6, 3, 1 << 20])
        #expect(frames[0].bytes == Array("client".utf8))
        #expect(frames[2].bytes == large)
        #expect(frames[1].sourceFileDescriptor != nil)

        try router.send(frames[0].bytes, more: true)
        try router.send([42])
        #expect(try receive(dealer).map(\.bytes) == [[42]])
    }

    @Test func errorsCarryLibzmqsText() throws {
        let socket = try Socket(context, kind: .dealer)
        let error = #expect(throws: ZMQError.self) { try socket.bind("nonsense://x") }
        #expect(error?.operation == "bind nonsense://x")
        #expect(error?.message.isEmpty == false)
        socket.close()
        #expect(throws: ZMQError.self) { try socket.send([1]) }
    }

    @Test func receivingWithNothingWaitingReturnsNil() throws {
        let router = try Socket(context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        #expect(try router.receiveMultipart() == nil)
        #expect(router.canReceive == false)
    }

    @Test func monitorsReportConnections() throws {
        let router = try Socket(context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, kind: .dealer)
        try dealer.monitor("inproc://zeromq-test-monitor", events: [.handshakeSucceeded])
        let monitor = try Socket(context, kind: .pair)
        try monitor.connect("inproc://zeromq-test-monitor")
        try dealer.connect(try router.lastEndpoint)
        var event: MonitorEvent?
        for _ in 0..<2000 where event == nil {
            event = try MonitorEvent.receive(from: monitor)
            usleep(1000)
        }
        #expect(event?.kind == .handshakeSucceeded)
    }

    @Test func wakeupSignalWakesAPoller() throws {
        let signal = try WakeupSignal()
        var poller = Poller()
        let index = poller.add(fileDescriptor: signal.fileDescriptor)
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
        signal.signal()
        #expect(try poller.poll(timeoutMilliseconds: 1000) == 1)
        let readable = poller.isReadable(index)
        #expect(readable)
        signal.drain()
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
    }
}
