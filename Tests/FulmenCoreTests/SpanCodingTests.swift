import BinaryCoding
import Foundation
import FulmenCore
import Testing

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

    /// One attribute per dictionary, so that the bytes do not depend on hashing order; the events
    /// carry one attribute of each type.
    let golden = Span(
        id: "s-1", parent: "s-0", name: "llm", start: Date(timeIntervalSinceReferenceDate: 721_692_800.25),
        end: Date(timeIntervalSinceReferenceDate: 721_692_801.5), attributes: ["model": .string("policy ✓")],
        events: [
            SpanEvent(name: "string", time: Date(timeIntervalSinceReferenceDate: 721_692_800.5), attributes: ["s": .string("x")]),
            SpanEvent(name: "int", time: Date(timeIntervalSinceReferenceDate: 1), attributes: ["i": .int(-42)]),
            SpanEvent(name: "double", time: Date(timeIntervalSinceReferenceDate: -1.5), attributes: ["d": .double(0.7)]),
            SpanEvent(name: "bool", time: Date(timeIntervalSinceReferenceDate: 0), attributes: ["b": .bool(true)]),
            SpanEvent(name: "ints", time: Date(timeIntervalSinceReferenceDate: 2), attributes: ["n": .ints([0, 300, -1, Int.max, Int.min])]),
            SpanEvent(name: "floats", time: Date(timeIntervalSinceReferenceDate: 3), attributes: ["f": .floats([-0.5, .infinity])]),
            SpanEvent(name: "strings", time: Date(timeIntervalSinceReferenceDate: 4), attributes: ["t": .strings(["calc", ""])]),
            SpanEvent(name: "none", time: Date(timeIntervalSinceReferenceDate: 5)),
        ],
        error: nil)

    /// `golden.compactBytes()` as written before span coding moved onto the shared binary coding
    /// (commit 7858aa5): the store's databases hold spans like this one.
    static let goldenBytes = hex([
        "0103732d310103732d30036c6c6d000020401482c5410000c0401482c5410001056d6f64656c000a706f6c69637920e2",
        "9c930806737472696e67000040401482c54101017300017803696e74000000000000f03f010169015306646f75626c65",
        "000000000000f8bf01016402666666666666e63f04626f6f6c0000000000000000010162030104696e74730000000000",
        "00004001016e040500d80401feffffffffffffffff01ffffffffffffffffff0106666c6f617473000000000000084001",
        "01660502000000bf0000807f07737472696e6773000000000000104001017406020463616c6300046e6f6e6500000000",
        "0000144000",
    ])

    /// `[golden]` through the tagged binary coder, as calls and store columns carry spans.
    static let goldenListBytes = hex([
        "0afd000000010000000b01f5010103732d310103732d30036c6c6d000020401482c5410000c0401482c5410001056d6f",
        "64656c000a706f6c69637920e29c930806737472696e67000040401482c54101017300017803696e74000000000000f0",
        "3f010169015306646f75626c65000000000000f8bf01016402666666666666e63f04626f6f6c00000000000000000101",
        "62030104696e7473000000000000004001016e040500d80401feffffffffffffffff01ffffffffffffffffff0106666c",
        "6f61747300000000000008400101660502000000bf0000807f07737472696e6773000000000000104001017406020463",
        "616c6300046e6f6e65000000000000144000",
    ])

    static func hex(_ lines: [String]) -> [UInt8] {
        let digits = Array(lines.joined().utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    @Test func theCompactBytesAreTheOnesWrittenBefore() throws {
        #expect(golden.compactBytes() == Self.goldenBytes)
        #expect(try Span(compact: Self.goldenBytes) == golden)
        #expect(try BinaryEncoder().encode([golden]) == Self.goldenListBytes)
        #expect(try BinaryDecoder().decode([Span].self, from: Self.goldenListBytes) == [golden])
    }

    @Test func aSpanRoundTripsThroughItsCompactFormAndTheBinaryCoding() throws {
        #expect(try Span(compact: span.compactBytes()) == span)
        let encoded = try BinaryEncoder().encode([span, Span(id: "bare", name: "x", start: Date(), end: Date())])
        #expect(try BinaryDecoder().decode([Span].self, from: encoded).first == span)
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
            try BinaryDecoder().decode(Span.self, from: BinaryEncoder().encode(Array(bytes.prefix(10))))
        }
        #expect("\(String(describing: decodingError))".contains("truncated input: span name"))
    }
}
