import CZeroMQ
import Glibc
import Testing
import ZeroMQ

/// CurveZMQ as libzmq does it: keys, Z85, and what each side of a refused handshake sees.
@Suite("CURVE")
struct CurveTests {
    @Test func libzmqHasCurve() {
        #expect(Curve.isAvailable)
    }

    @Test func keyPairsAreZ85AndThePublicKeyFollowsFromTheSecret() throws {
        let pair = try Curve.keyPair()
        #expect(pair.publicKey.utf8.count == Curve.textLength)
        #expect(pair.secretKey.utf8.count == Curve.textLength)
        #expect(try Curve.publicKey(forSecretKey: pair.secretKey) == pair.publicKey)
        #expect(try Curve.keyPair().publicKey != pair.publicKey)
        let bytes = try #require(Curve.decode(pair.publicKey))
        #expect(bytes.count == Curve.keyLength)
        #expect(Curve.encode(bytes) == pair.publicKey)
    }

    @Test func malformedZ85IsRejected() {
        #expect(Curve.decode("") == nil)
        #expect(Curve.decode(String(repeating: "a", count: 39)) == nil)
        #expect(Curve.decode(String(repeating: "a", count: 41)) == nil)
        #expect(Curve.decode(String(repeating: " ", count: 40)) == nil)
        #expect(Curve.decode(String(repeating: "~", count: 40)) == nil)
        #expect(Curve.encode([1, 2, 3]) == nil)
        #expect(throws: ZMQError.self) { try Curve.publicKey(forSecretKey: "not a key") }
    }

    /// A CURVE server with a ZAP handler that admits `allowed`, and a client; returns what the
    /// client's monitor and the server's ZAP handler saw, and whether a message got through.
    func handshake(
        clientKeys: (publicKey: String, secretKey: String)?, serverKeyKnownToClient: String? = nil,
        allowed: Set<String>
    ) throws -> (clientEvents: [MonitorEvent], zapRequests: [[[UInt8]]], delivered: [Message]?) {
        let context = try Context()
        let zap = try Socket(context, kind: .rep)
        try zap.bind("inproc://zeromq.zap.01")
        let server = try Curve.keyPair()
        let router = try Socket(context, kind: .router)
        try router.setOption(ZMQ_CURVE_SERVER, Int32(1))
        try router.setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(server.secretKey.utf8))
        try router.bind("tcp://127.0.0.1:*")

        let dealer = try Socket(context, kind: .dealer)
        if let clientKeys {
            try dealer.setOption(ZMQ_CURVE_SERVERKEY, bytes: Array((serverKeyKnownToClient ?? server.publicKey).utf8))
            try dealer.setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(clientKeys.publicKey.utf8))
            try dealer.setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(clientKeys.secretKey.utf8))
        }
        try dealer.setOption(ZMQ_IMMEDIATE, Int32(1))
        try dealer.monitor(
            "inproc://curve-test-client",
            events: [.handshakeSucceeded, .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail, .disconnected])
        let monitor = try Socket(context, kind: .pair)
        try monitor.connect("inproc://curve-test-client")
        try dealer.connect(try router.lastEndpoint)

        var events: [MonitorEvent] = []
        var requests: [[[UInt8]]] = []
        var delivered: [Message]?
        var sent = false
        for _ in 0..<1500 {
            if let request = try zap.receiveMultipart() {
                let frames = request.map(\.bytes)
                requests.append(frames)
                let key = frames.count == 7 ? Curve.encode(frames[6]) : nil
                let admitted = key.map(allowed.contains) ?? false
                try zap.send(Array("1.0".utf8), more: true)
                try zap.send(frames[1], more: true)
                try zap.send(Array((admitted ? "200" : "400").utf8), more: true)
                try zap.send(Array((admitted ? "OK" : "not allowed").utf8), more: true)
                try zap.send(Array((key ?? "").utf8), more: true)
                try zap.send([])
            }
            while let event = try MonitorEvent.receive(from: monitor) { events.append(event) }
            if !sent, events.contains(where: { $0.kind == .handshakeSucceeded }) {
                try dealer.send([7])
                sent = true
            }
            if let frames = try router.receiveMultipart() { delivered = frames }
            if delivered != nil || events.contains(where: { $0.kind != .handshakeSucceeded }) && events.count >= 2 { break }
            usleep(2000)
        }
        dealer.close()
        router.close()
        monitor.close()
        zap.close()
        return (events, requests, delivered)
    }

    @Test func anAllowedClientIsAdmittedAndItsKeyIsTheConnectionsUserID() throws {
        let client = try Curve.keyPair()
        let result = try handshake(clientKeys: client, allowed: [client.publicKey])
        #expect(result.clientEvents.first?.kind == .handshakeSucceeded)
        let request = try #require(result.zapRequests.first)
        // ZAP 1.0: version, request id, domain, address, identity, mechanism, credentials.
        #expect(request.count == 7)
        #expect(request[0] == Array("1.0".utf8))
        #expect(request[5] == Array("CURVE".utf8))
        #expect(Curve.encode(request[6]) == client.publicKey)
        let frames = try #require(result.delivered)
        #expect(frames.last?.bytes == [7])
        #expect(frames.last?.property("User-Id") == client.publicKey)
    }

    @Test func aClientWhoseKeyIsNotAllowedSeesAnAuthenticationFailure() throws {
        let client = try Curve.keyPair()
        let result = try handshake(clientKeys: client, allowed: [])
        #expect(result.delivered == nil)
        let failure = try #require(result.clientEvents.first { $0.kind == .handshakeFailedAuth })
        #expect(failure.value == 400)
        #expect(!result.clientEvents.contains { $0.kind == .handshakeSucceeded })
    }

    @Test func aPlainTextClientSeesAMechanismMismatch() throws {
        let result = try handshake(clientKeys: nil, allowed: [])
        #expect(result.delivered == nil)
        #expect(result.zapRequests.isEmpty)
        let failure = try #require(result.clientEvents.first { $0.kind == .handshakeFailedProtocol })
        #expect(failure.value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    }

    @Test func aClientWithTheWrongServerKeyNeverGetsThrough() throws {
        let client = try Curve.keyPair()
        let result = try handshake(clientKeys: client, serverKeyKnownToClient: try Curve.keyPair().publicKey, allowed: [client.publicKey])
        #expect(result.delivered == nil)
        #expect(result.zapRequests.isEmpty)
        #expect(!result.clientEvents.contains { $0.kind == .handshakeSucceeded })
        #expect(result.clientEvents.contains { $0.kind == .disconnected || $0.kind == .handshakeFailedProtocol })
    }
}
