import BinaryCoding
import Foundation
import Testing
@testable import ZMQActorSystem

@Suite("Wire format")
struct WireFormatTests {
    /// The transport's out-of-band frames carry large arrays with the bytes they had before the
    /// binary coding moved out of the actor system (commit 7858aa5): arrays of `threshold` bytes or
    /// more become frames 1…, named by `blob` values in frame 0. (The values themselves are checked
    /// against bytes written before in BinaryCodingTests.)
    @Test func largeArraysTravelAsFramesWithTheBytesTheyHadBefore() throws {
        struct Arrays: Codable, Equatable {
            var large: [Float]
            var small: [Float]
            var data: Data
        }
        let arrays = Arrays(large: (0..<8).map { Float($0) / 4 }, small: [1, 2], data: Data(0..<20))
        let frames = OutgoingFrames(threshold: 16)
        let context = BinaryEncodingContext(outOfBand: frames)
        try context.encode(arrays)
        let body = context.writer.takeAndReset()
        let outOfBand = frames.take()
        #expect(Array(body.bytes) == bytes("0924000000056c617267650c02080005736d616c6c0b02020000803f0000004004646174610c011401"))
        #expect(outOfBand.map { Array($0.bytes) } == [bytes("000000000000803e0000003f0000403f0000803f0000a03f0000c03f0000e03f"), bytes("000102030405060708090a0b0c0d0e0f10111213")])

        let received = OutgoingMessage(first: body, blobs: outOfBand).asReceived()
        let decoded = try received[0].withUnsafeBytes { buffer in
            var offset = 0
            return try BinaryDecodingContext(buffer: buffer, outOfBand: received.outOfBand).decodeValue(Arrays.self, at: &offset)
        }
        #expect(decoded == arrays)
    }

    func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    @Test func envelopeHeadersRejectGarbage() throws {
        #expect(throws: WireFormatError.self) { try [UInt8]().withUnsafeBytes { try Envelope.parseHeader($0) } }
        #expect(throws: WireFormatError.self) { try [UInt8]([9, 1]).withUnsafeBytes { try Envelope.parseHeader($0) } }
        #expect(throws: WireFormatError.self) { try [UInt8]([Envelope.version, 77]).withUnsafeBytes { try Envelope.parseHeader($0) } }
        let ping = Envelope.ping(sequence: 7, maximumMessageSize: 1024)
        for length in 0..<ping.count {
            #expect(throws: WireFormatError.self) { try Array(ping.prefix(length)).withUnsafeBytes { try Envelope.parseHeader($0) } }
        }
        guard case let .ping(sequence, limit) = try ping.withUnsafeBytes({ try Envelope.parseHeader($0) }) else {
            Issue.record("ping did not parse as a ping")
            return
        }
        #expect(sequence == 7 && limit == 1024)
    }

    @Test func callsAndPongsCarryTheirSession() throws {
        var writer = ByteWriter()
        Envelope.beginCall(
            &writer, callID: 3, targetIncarnation: 5, timeoutMilliseconds: 10, actorName: "a", target: "t", substitutions: [],
            argumentCount: 0)
        let call = writer.take()
        Envelope.stampSession(0xA1B2C3, on: call)
        guard case let .call(header) = try Envelope.parseHeader(call.bytes) else {
            Issue.record("the call did not parse as a call")
            return
        }
        #expect(header.callID == 3 && header.session == 0xA1B2C3 && header.targetIncarnation == 5 && header.actorName == "a")
        let pong = Envelope.pong(sequence: 1, incarnation: 2, maximumMessageSize: 64, session: 9)
        guard case let .pong(_, incarnation, _, session) = try pong.withUnsafeBytes({ try Envelope.parseHeader($0) }) else {
            Issue.record("the pong did not parse as a pong")
            return
        }
        #expect(incarnation == 2 && session == 9)
    }

    @Test func batchesSplitIntoTheirMessages() throws {
        let pings = (1...3).map { OutgoingMessage(Envelope.ping(sequence: UInt64($0), maximumMessageSize: 64)) }
        let batch = OutgoingMessage(batching: pings).asReceived()[0]
        let parts = try #require(try Envelope.unbatch(batch))
        #expect(parts.map(\.bytes) == (1...3).map { Envelope.ping(sequence: UInt64($0), maximumMessageSize: 64) })
        #expect(try Envelope.unbatch(OutgoingMessage(Envelope.ping(sequence: 1, maximumMessageSize: 1)).asReceived()[0]) == nil)
        let bytes = batch.bytes
        for length in 2..<bytes.count {
            let truncated = OutgoingMessage(Array(bytes.prefix(length))).asReceived()[0]
            #expect(throws: WireFormatError.self) { try Envelope.unbatch(truncated) }
        }
    }

    @Test func routingIDsNameTheirNode() throws {
        let node = NodeID(endpoint: "tcp://10.0.0.5:7100", incarnation: 0xABCDEF)
        let id = Envelope.routingID(for: node)
        #expect(id.withUnsafeBytes { Envelope.node(fromRoutingID: $0) } == node)
        #expect([UInt8]([0, 1, 2]).withUnsafeBytes { Envelope.node(fromRoutingID: $0) } == nil)
    }
}
