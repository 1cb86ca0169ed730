import BinaryCoding
import Foundation
import Testing

/// The shared binary coding: its values, its bounds checks, and its bytes, which must never change
/// (the actor system's peers and the store's existing databases read them).
@Suite("Binary coding")
struct BinaryCodingTests {
    struct Record: Codable, Equatable {
        enum Kind: Codable, Equatable {
            case plain
            case tagged(String, weight: Double)
        }

        struct Child: Codable, Equatable {
            var name: String
            var note: String?
        }

        var id: String
        var count: Int
        var big: UInt64
        var small: UInt8
        var ratio: Float
        var flag: Bool
        var note: String?
        var kind: Kind
        var plain: Kind
        var scores: [String: Double]
        var steps: [Int16]
        var maybe: [Int?]
        var weights: [Float]
        var tokens: [Int32]
        var ids: [Int]
        var doubles: [Double]
        var payload: Data
        var bytes: [UInt8]
        var children: [Child]
    }

    /// Every kind of value: keyed, unkeyed and raw arrays, enums with associated values, absent and
    /// nil optionals. One dictionary entry only, so that the bytes do not depend on hashing order.
    let sample = Record(
        id: "root ✓", count: -42, big: .max, small: 7, ratio: 0.5, flag: true, note: nil, kind: .tagged("first", weight: 0.25),
        plain: .plain, scores: ["a": 1.5], steps: [1, -2, 300], maybe: [1, nil], weights: [0, 0.5, -1], tokens: [Int32.min, 5],
        ids: [Int.min, 0, 1], doubles: [.pi], payload: Data([0, 1, 255]), bytes: [9, 8],
        children: [Record.Child(name: "c", note: "n"), Record.Child(name: "d", note: nil)])

    /// `sample` as the coder wrote it before it moved out of the actor system (commit 7858aa5's
    /// `WireEncoder`): the store's databases hold blobs like this one.
    static let sampleBytes = hex([
        "096a0100000269640708726f6f7420e29c9305636f756e7403530362696704ffffffffffffffffff0105736d616c6c04",
        "0705726174696f050000003f04666c616702046b696e64092600000006746167676564091a000000025f300705666972",
        "73740677656967687406000000000000d03f05706c61696e090b00000005706c61696e09000000000673636f72657309",
        "0b000000016106000000000000f83f0573746570730a0b000000030000000302030303d804056d617962650a07000000",
        "0200000003020007776569676874730b0203000000000000003f000080bf06746f6b656e730b05020000008005000000",
        "036964730b040300000000000000800000000000000000010000000000000007646f75626c65730b0301182d4454fb21",
        "0940077061796c6f61640b01030001ff0562797465730b01020908086368696c6472656e0a2600000002000000091000",
        "0000046e616d65070163046e6f746507016e0908000000046e616d65070164",
    ])

    /// Arrays of 16 bytes or more out of band, then a second value after the first.
    struct Arrays: Codable, Equatable {
        var large: [Float]
        var small: [Float]
        var data: Data
    }

    let arrays = Arrays(large: (0..<8).map { Float($0) / 4 }, small: [1, 2], data: Data(0..<20))
    static let arraysBytes = hex(["0924000000056c617267650c02080005736d616c6c0b02020000803f0000004004646174610c01140107046e657874"])
    static let arraysOutOfBand = [
        hex(["000000000000803e0000003f0000403f0000803f0000a03f0000c03f0000e03f"]),
        hex(["000102030405060708090a0b0c0d0e0f10111213"]),
    ]

    static func hex(_ lines: [String]) -> [UInt8] {
        let digits = Array(lines.joined().utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try BinaryDecoder().decode(T.self, from: BinaryEncoder().encode(value))
    }

    // MARK: Bytes that must not change

    @Test func theBytesAreTheOnesWrittenBefore() throws {
        #expect(try BinaryEncoder().encode(sample) == Self.sampleBytes)
        #expect(try BinaryDecoder().decode(Record.self, from: Self.sampleBytes) == sample)
    }

    @Test func largeArraysGoOutOfBandWithTheBytesWrittenBefore() throws {
        let sink = Sink(threshold: 16)
        let context = BinaryEncodingContext(outOfBand: sink)
        try context.encode(arrays)
        try context.encode("next")
        #expect(context.writer.bytes == Self.arraysBytes)
        #expect(sink.arrays == Self.arraysOutOfBand)

        try Self.arraysBytes.withUnsafeBytes { buffer throws in
            let decoding = BinaryDecodingContext(buffer: buffer, outOfBand: Source(arrays: Self.arraysOutOfBand))
            var offset = 0
            #expect(try decoding.decodeValue(Arrays.self, at: &offset) == arrays)
            #expect(try decoding.decodeValue(String.self, at: &offset) == "next")
            #expect(offset == buffer.count)
        }
    }

    @Test func outOfBandArraysMustBeThereAndMatchTheirCount() throws {
        // Without its out-of-band arrays, or with one of the wrong length, the value is refused.
        #expect(throws: BinaryFormatError.self) { try BinaryDecoder().decode(Arrays.self, from: Self.arraysBytes) }
        Self.arraysBytes.withUnsafeBytes { buffer in
            var offset = 0
            let short = Source(arrays: [Array(Self.arraysOutOfBand[0].dropLast(4)), Self.arraysOutOfBand[1]])
            #expect(throws: BinaryFormatError.self) {
                try BinaryDecodingContext(buffer: buffer, outOfBand: short).decodeValue(Arrays.self, at: &offset)
            }
        }
    }

    @Test func primitivesAreVarintsZigzagsAndLittleEndian() throws {
        var writer = ByteWriter()
        writer.write(varint: 300)
        writer.write(zigzag: -2)
        writer.write(zigzag: Int64.min)
        writer.write(fixed: UInt32(0x0102_0304))
        writer.write(string: "é")
        #expect(writer.bytes == [0xAC, 0x02, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 4, 3, 2, 1, 2, 0xC3, 0xA9])
        try writer.bytes.withUnsafeBytes { buffer throws in
            var reader = ByteReader(buffer)
            #expect(try reader.readVarint("a") == 300)
            #expect(try reader.readZigzag("b") == -2)
            #expect(try reader.readZigzag("c") == Int64.min)
            #expect(try reader.readFixed(UInt32.self, "d") == 0x0102_0304)
            #expect(try reader.readString("e") == "é")
            #expect(reader.isAtEnd)
            #expect(throws: BinaryFormatError.truncated("f", needed: 1, remaining: 0)) { try reader.readByte("f") }
        }
    }

    // MARK: Values

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
        let bytes = try BinaryEncoder().encode((0..<1000).map { Float($0) })
        // 1 tag + 1 element kind + 2 count bytes + 4000 data bytes.
        #expect(bytes.count == 4004)
    }

    @Test func fieldsCanBeReadInAnotherOrderAndOptionalsMayBeAbsent() throws {
        struct Written: Codable { var b: Int; var a: String }
        struct Read: Codable, Equatable { var a: String; var b: Int; var c: Double? }
        let value = try BinaryDecoder().decode(Read.self, from: BinaryEncoder().encode(Written(b: 2, a: "x")))
        #expect(value == Read(a: "x", b: 2, c: nil))
    }

    // MARK: Bad input

    @Test func missingFieldIsNamed() throws {
        struct Written: Codable { var a: Int }
        struct Read: Codable { var a: Int; var required: String }
        let bytes = try BinaryEncoder().encode(Written(a: 1))
        #expect(throws: BinaryFormatError.missingKey("required", at: "")) {
            try BinaryDecoder().decode(Read.self, from: bytes)
        }
    }

    @Test func typeMismatchNamesThePath() throws {
        struct Inner: Codable { var value: String }
        struct Outer: Codable { var inner: Inner }
        struct Wrong: Codable { var inner: WrongInner }
        struct WrongInner: Codable { var value: Int }
        let bytes = try BinaryEncoder().encode(Outer(inner: Inner(value: "text")))
        #expect(throws: BinaryFormatError.typeMismatch(expected: "integer", found: "String", at: "inner.value")) {
            try BinaryDecoder().decode(Wrong.self, from: bytes)
        }
    }

    @Test func everyTruncationIsAnErrorNotACrash() throws {
        let bytes = try BinaryEncoder().encode(sample)
        for length in 0..<bytes.count {
            #expect(throws: (any Error).self, "prefix of \(length) bytes") {
                try BinaryDecoder().decode(Record.self, from: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func corruptedInputNeverCrashes() throws {
        let bytes = try BinaryEncoder().encode(sample)
        var generator = SystemRandomNumberGenerator()
        var rejected = 0
        for _ in 0..<5000 {
            var corrupted = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                corrupted[Int.random(in: 0..<corrupted.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                _ = try BinaryDecoder().decode(Record.self, from: corrupted)
            } catch {
                rejected += 1
            }
        }
        #expect(rejected > 0)
    }

    @Test func absurdCountsAreRejectedBeforeAllocating() throws {
        // An array claiming 2^62 floats in a 12-byte buffer.
        let bytes: [UInt8] = [BinaryTag.array.rawValue, BinaryElementKind.float32.rawValue, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0]
        #expect(throws: BinaryFormatError.self) { try BinaryDecoder().decode([Float].self, from: bytes) }
        let string: [UInt8] = [BinaryTag.string.rawValue, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x41]
        #expect(throws: BinaryFormatError.self) { try BinaryDecoder().decode(String.self, from: string) }
    }

    @Test func trailingBytesAreRejected() throws {
        #expect(throws: BinaryFormatError.self) { try BinaryDecoder().decode(Int.self, from: BinaryEncoder().encode(5) + [0]) }
    }
}

/// Out-of-band arrays kept in memory, as a transport would send them.
final class Sink: OutOfBandSink {
    let threshold: Int
    private(set) var arrays: [[UInt8]] = []

    init(threshold: Int) {
        self.threshold = threshold
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        arrays.append(Array(bytes))
        return arrays.count - 1
    }
}

/// Out-of-band arrays as received.
struct Source: OutOfBandSource {
    let arrays: [[UInt8]]

    var count: Int { arrays.count }

    func withBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try arrays[index].withUnsafeBytes(body)
    }
}
