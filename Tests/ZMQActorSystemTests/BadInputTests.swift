import BinaryCoding
import CZeroMQ
import Distributed
import Foundation
import Glibc
import Testing
@testable import ZMQActorSystem
import ZMQTestSupport
import ZeroMQ

/// Bytes from the network that are not what a node expects: it answers what it can, logs the
/// rest, and keeps serving.
@Suite("Bad input")
struct BadInputTests {
    let context = try! Context()

    /// A server node with the "service" actor, and a client stub for it.
    func withServer(_ body: (ZMQActorSystem, $TestService<ZMQActorSystem>) async throws -> Void) async throws {
        let server = try ZMQActorSystem(settings: testSettings())
        let client = try ZMQActorSystem(settings: testSettings())
        let hosted = server.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
        let service = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("service", at: server.node.endpoint), using: client)
        try await body(server, service)
        await client.shutdown()
        await server.shutdown()
        _ = hosted
    }

    /// A DEALER presenting itself as a Fulmen node, for sending hand-made messages.
    func rawDealer(to endpoint: String) throws -> Socket {
        let dealer = try Socket(context, kind: .dealer)
        try dealer.setOption(ZMQ_ROUTING_ID, bytes: Envelope.routingID(for: NodeID(endpoint: "tcp://127.0.0.1:1", incarnation: 99)))
        try dealer.connect(endpoint)
        return dealer
    }

    /// Waits for one multipart message, looking every few milliseconds.
    func receive(_ socket: Socket, timeout: Duration = .seconds(20)) async throws -> [Message]? {
        let giveUp = ContinuousClock.now + timeout
        while ContinuousClock.now < giveUp {
            if let frames = try socket.receiveMultipart() { return frames }
            try await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    @Test func garbageBytesOnTheTCPPortDoNotStopTheNode() async throws {
        try await withServer { server, service async throws in
            let port = Int(server.node.endpoint.split(separator: ":").last!)!
            for _ in 0..<5 {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                address.sin_port = UInt16(port).bigEndian
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                #expect(connected == 0)
                let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255) }
                _ = garbage.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            #expect(try await service.echo("still serving") == "still serving")
        }
    }

    @Test func malformedMessagesAreDroppedAndTheNodeKeepsServing() async throws {
        try await withServer { server, service async throws in
            let dealer = try rawDealer(to: server.node.endpoint)
            try dealer.send([Envelope.version, 1, 7])              // a call cut short
            try dealer.send([200, 1])                             // an unknown protocol version
            try dealer.send([Envelope.version, 99, 0, 0])          // an unknown message kind
            try dealer.send((0..<512).map { _ in UInt8.random(in: 0...255) })
            let stranger = try Socket(context, kind: .dealer)    // no Fulmen routing id at all
            try stranger.connect(server.node.endpoint)
            try stranger.send([1, 3, 0, 0, 0, 0, 0, 0, 0, 0])
            #expect(try await service.echo("still serving") == "still serving")
        }
    }

    @Test func undecodableArgumentsAreAnsweredWithBadPayload() async throws {
        // Capture a real call to learn its target identifier, then replay it with a broken argument.
        let router = try Socket(context, kind: .router)
        try router.bind("tcp://127.0.0.1:*")
        let fakeEndpoint = try router.lastEndpoint
        let client = try ZMQActorSystem(settings: testSettings())
        let fake = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("service", at: fakeEndpoint), using: client)
        let capture = Task { try await CallOptions.withTimeout(.seconds(20)) { try await fake.echo("captured") } }
        var captured: Envelope.CallHeader?
        while captured == nil, let frames = try await receive(router) {
            // The call may come batched with a heartbeat.
            for body in try Envelope.unbatch(frames[1]) ?? [frames[1]] {
                if case let .call(header) = try body.withUnsafeBytes({ try Envelope.parseHeader($0) }) { captured = header }
            }
        }
        capture.cancel()
        _ = await capture.result
        await client.shutdown()
        let header = try #require(captured)

        try await withServer { server, service async throws in
            let dealer = try rawDealer(to: server.node.endpoint)
            var writer = ByteWriter()
            Envelope.beginCall(
                &writer, callID: 1, targetIncarnation: nil, timeoutMilliseconds: 1000, actorName: "service",
                target: header.target, substitutions: header.substitutions, argumentCount: 1)
            writer.write(BinaryTag.int.rawValue)  // an integer where a String is expected
            writer.write(varint: 7)
            try dealer.send(writer.bytes)
            let reply = try #require(try await receive(dealer))
            let parsed = try reply[0].withUnsafeBytes { try Envelope.parseHeader($0) }
            guard case let .reply(callID, status, offset) = parsed else {
                Issue.record("expected a reply, got \(parsed)")
                return
            }
            #expect(callID == 1)
            #expect(status == .failure)
            let failure = try reply[0].withUnsafeBytes { try Envelope.readFailure($0, at: offset) }
            #expect(failure.code == .badPayload)
            #expect(failure.message.contains("String"))
            #expect(try await service.echo("still serving") == "still serving")
        }
    }

    @Test func aCallInAnotherWireVersionIsRefusedNamingBothVersions() async throws {
        try await withServer { server, service async throws in
            let other = Envelope.version - 1
            let dealer = try rawDealer(to: server.node.endpoint)
            // A call as a node of the previous version writes it (alone, then batched with a ping).
            var call = ByteWriter()
            Envelope.beginCall(
                &call, callID: 41, targetIncarnation: nil, timeoutMilliseconds: 1000, actorName: "service",
                target: "whatever", substitutions: [], argumentCount: 0)
            var old = call.bytes
            old[0] = other
            var ping = Envelope.ping(sequence: 1, maximumMessageSize: 1 << 20)
            ping[0] = other
            var second = old
            withUnsafeBytes(of: UInt64(42).littleEndian) { second.replaceSubrange(2..<10, with: $0) }
            var batch = ByteWriter()
            batch.write(other)
            batch.write(Envelope.Kind.batch.rawValue)
            batch.write(varint: 2)
            for message in [ping, second] {
                batch.write(varint: UInt64(message.count))
                message.withUnsafeBytes { batch.write(bytes: $0) }
            }
            try dealer.send(old)
            try dealer.send(batch.bytes)
            // The replies (batched or not) are in the caller's version, so that it can read them.
            var replies: [Message] = []
            while replies.count < 2, let frames = try await receive(dealer) {
                #expect(frames[0].bytes[0] == other)
                replies += try Envelope.unbatch(frames[0]) ?? [frames[0]]
            }
            #expect(replies.count == 2)
            for (reply, callID) in zip(replies, [UInt64(41), 42]) {
                let bytes = reply.bytes
                #expect(bytes[0] == other && bytes[1] == Envelope.Kind.reply.rawValue)
                #expect(bytes[2..<10].elementsEqual(withUnsafeBytes(of: callID.littleEndian) { Array($0) }))
                #expect(bytes[10] == Envelope.ReplyStatus.failure.rawValue)
                let failure = try reply.withUnsafeBytes { try Envelope.readFailure($0, at: 11) }
                #expect(failure.code == .versionMismatch)
                #expect(failure.message.contains("version \(Envelope.version) of the wire format"), "\(failure.message)")
                #expect(failure.message.contains("made in version \(other)"), "\(failure.message)")
            }
            #expect(try await service.echo("still serving") == "still serving")
        }
    }
}
