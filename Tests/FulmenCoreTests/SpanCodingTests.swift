import Foundation
import FulmenCore
import Testing
import ZMQActorSystem

@Suite("Span coding")
struct SpanCodingTests {
    let span = Span(
        id: "s-1", parent: "s-0", name: "llm", start: Date(timeIntervalSince1970: 1_700_000_000.123456),
        end: Date(timeIntervalSince1970: 1_700_000_001.5),
        attributes: [
            "model": .string("policy ✓"), "weights": .int(-42), "temperature": .double(0.7), "greedy": .bool(false),
            "tokens": .ints([0, 1, 255, -1, Int.max, Int.min]), "logprobs": .floats([-0.5, -1e-8, .infinity]),
            "tools": .strings(["calc", ""]),
        ],
        events: [SpanEvent(name: "first token", time: Date(timeIntervalSince1970: 1_700_000_000.2), attributes: ["n": .int(1)])],
        error: "tool timed out")

    @Test func aSpanRoundTripsThroughItsCompactFormAndTheWireFormat() throws {
        #expect(try Span(compact: span.compactBytes()) == span)
        let wire = try WireEncoder().encode([span, Span(id: "bare", name: "x", start: Date(), end: Date())])
        #expect(try WireDecoder().decode([Span].self, from: wire).first == span)
        #expect(try JSONDecoder().decode(Span.self, from: JSONEncoder().encode(span)) == span)
    }

    @Test func aDamagedBufferIsRefusedNotMisread() throws {
        let bytes = span.compactBytes()
        for cut in [0, 1, 5, bytes.count / 2, bytes.count - 1] {
            #expect(throws: (any Error).self) { try Span(compact: Array(bytes.prefix(cut))) }
        }
        #expect(throws: (any Error).self) { try Span(compact: bytes + [0]) }
        var version = bytes
        version[0] = 9
        #expect(throws: (any Error).self) { try Span(compact: version) }
        let decodingError = #expect(throws: DecodingError.self) {
            try WireDecoder().decode(Span.self, from: WireEncoder().encode(Array(bytes.prefix(10))))
        }
        #expect("\(String(describing: decodingError))".contains("ends early"))
    }
}
