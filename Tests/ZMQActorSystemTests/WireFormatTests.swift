import Foundation
import Testing
@testable import ZMQActorSystem
import ZMQTestSupport

@Suite("Wire format")
struct WireFormatTests {
    let sample = TestRecord(
        id: "root ✓", count: -42, kind: .tagged("first", weight: 0.5), note: nil,
        scores: ["a": 1.5, "b": -2], children: [
            TestRecord(id: "child", count: Int.max, kind: .plain, note: "a note", scores: [:], children: []),
        ])

    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try WireDecoder().decode(T.self, from: WireEncoder().encode(value))
    }

    @Test func primitivesRoundTrip() throws {
        #expect(try roundTrip(Int.min) == Int.min)
        #expect(try roundTrip(Int.max) == Int.max)
        #expect(try roundTrip(UInt64.max) == UInt64.max)
        #expect(try roundTrip(Int8(-128)) == -128)
        #expect(try roundTrip(UInt16(65535)) == 65535)
        #expect(try roundTrip(3.25 as Double) == 3.25)
        #expect(try roundTrip(-0.5 as Float) == -0.5)
        #expect(try roundTrip(true) == true)
        #expect(try roundTrip("") == "")
        #expect(try roundTrip("héllo 🌍") == "héllo 🌍")
        #expect(try roundTrip(Optional<Int>.none) == nil)
        #expect(try roundTrip(Double.infinity) == .infinity)
        #expect(try roundTrip(Float.nan).isNaN)
    }

    @Test func nestedValuesRoundTrip() throws {
        #expect(try roundTrip(sample) == sample)
        #expect(try roundTrip([sample, sample]) == [sample, sample])
        #expect(try roundTrip([3: "three", -1: "minus one"]) == [3: "three", -1: "minus one"])
        #expect(try roundTrip([[1, 2], [], [3]]) == [[1, 2], [], [3]])
        #expect(try roundTrip(["x": [1.5, 2.5] as [Double]]) == ["x": [1.5, 2.5]])
        #expect(try roundTrip(Set(["a", "b"])) == Set(["a", "b"]))
    }

    @Test func rawArraysRoundTrip() throws {
        let floats = (0..<100_000).map { Float($0) * 0.5 }
        #expect(try roundTrip(floats) == floats)
        #expect(try roundTrip([Float]()) == [])
        #expect(try roundTrip(Data([0, 1, 255])) == Data([0, 1, 255]))
        #expect(try roundTrip([UInt8](repeating: 7, count: 1000)) == [UInt8](repeating: 7, count: 1000))
        #expect(try roundTrip([Int.min, 0, Int.max]) == [Int.min, 0, Int.max])
        #expect(try roundTrip([Int32.min, 5]) == [Int32.min, 5])
        #expect(try roundTrip([Double.pi]) == [Double.pi])
    }

    @Test func largeArraysAreWrittenAsRawMemory() throws {
        let bytes = try WireEncoder().encode((0..<1000).map { Float($0) })
        // 1 tag + 1 element kind + 2 count bytes + 4000 data bytes.
        #expect(bytes.count == 4004)
    }

    @Test func fieldsCanBeReadInAnotherOrderAndOptionalsMayBeAbsent() throws {
        struct Written: Codable { var b: Int; var a: String }
        struct Read: Codable, Equatable { var a: String; var b: Int; var c: Double? }
        let value = try WireDecoder().decode(Read.self, from: WireEncoder().encode(Written(b: 2, a: "x")))
        #expect(value == Read(a: "x", b: 2, c: nil))
    }

    @Test func missingFieldIsNamed() throws {
        struct Written: Codable { var a: Int }
        struct Read: Codable { var a: Int; var required: String }
        let bytes = try WireEncoder().encode(Written(a: 1))
        #expect(throws: WireFormatError.missingKey("required", at: "")) {
            try WireDecoder().decode(Read.self, from: bytes)
        }
    }

    @Test func typeMismatchNamesThePath() throws {
        struct Inner: Codable { var value: String }
        struct Outer: Codable { var inner: Inner }
        struct Wrong: Codable { var inner: WrongInner }
        struct WrongInner: Codable { var value: Int }
        let bytes = try WireEncoder().encode(Outer(inner: Inner(value: "text")))
        #expect(throws: WireFormatError.typeMismatch(expected: "integer", found: "String", at: "inner.value")) {
            try WireDecoder().decode(Wrong.self, from: bytes)
        }
    }

    @Test func everyTruncationIsAnErrorNotACrash() throws {
        let bytes = try WireEncoder().encode(sample)
        for length in 0..<bytes.count {
            #expect(throws: (any Error).self, "prefix of \(length) bytes") {
                try WireDecoder().decode(TestRecord.self, from: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func corruptedInputNeverCrashes() throws {
        let bytes = try WireEncoder().encode(sample)
        var generator = SystemRandomNumberGenerator()
        var rejected = 0
        for _ in 0..<5000 {
            var corrupted = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                corrupted[Int.random(in: 0..<corrupted.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                _ = try WireDecoder().decode(TestRecord.self, from: corrupted)
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }

    @Test func absurdCountsAreRejectedBeforeAllocating() throws {
        // An array claiming 2^62 floats in a 12-byte buffer.
        let bytes: [UInt8] = [WireTag.array.rawValue, WireElementKind.float32.rawValue, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0]
        #expect(throws: WireFormatError.self) { try WireDecoder().decode([Float].self, from: bytes) }
        let string: [UInt8] = [WireTag.string.rawValue, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]
        #expect(throws: WireFormatError.self) { try WireDecoder().decode(String.self, from: string) }
    }

    @Test func trailingBytesAreRejected() throws {
        #expect(throws: WireFormatError.self) { try WireDecoder().decode(Int.self, from: WireEncoder().encode(5) + [0]) }
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
