import BinaryCoding
import Foundation
import Glibc
import Testing
@testable import ZMQActorSystem
import ZeroMQ

/// Random and mutated frames through every decoder a node runs on received bytes: errors are
/// fine, crashes, hangs and allocations sized by what the bytes claim are not.
/// (scripts/fuzz-wire runs the same decoders under libFuzzer for longer.)
@Suite("Wire fuzzing")
struct WireFuzzTests {
    /// A small, fast, seeded generator (SplitMix64), so that a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Bytes that make lengths and counts extreme.
    static let interesting: [[UInt8]] = [
        [0], [0xFF], [0x7F], [0x80], [0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x80, 0x80, 0x80, 0x80, 0x08],
    ]

    /// One random change: flip, overwrite, insert, delete, duplicate, truncate or splice.
    static func mutate(_ input: [UInt8], splice other: [UInt8], using random: inout SplitMix) -> [UInt8] {
        var bytes = input
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1 where !bytes.isEmpty:
            bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 2:
            let extreme = interesting.randomElement(using: &random)!
            bytes.replaceSubrange(position..<min(bytes.count, position + extreme.count), with: extreme)
        case 3:
            bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: position)
        case 4 where !bytes.isEmpty:
            bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &random)))
        case 5 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...32, using: &random))
            bytes.insert(contentsOf: bytes[position..<end], at: Int.random(in: 0...bytes.count, using: &random))
        case 6:
            bytes.removeSubrange(position...)
        default:
            let cut = other.isEmpty ? 0 : Int.random(in: 0..<other.count, using: &random)
            bytes = Array(bytes[..<position]) + other[cut...]
        }
        return bytes
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test func theSeedsAreWellFormed() throws {
        let seeds = try WireFuzzing.seeds()
        #expect(try BinaryDecoder().decode(WireFuzzing.Record.self, from: seeds[10][0]) == WireFuzzing.sample)
        #expect(seeds[1].count == 3, "the large arrays travel out of band")
        for (index, seed) in seeds.enumerated() {
            let split = WireFuzzing.input(from: seed).withUnsafeBytes { WireFuzzing.frames(from: $0) }
            #expect(split == seed, "seed \(index) does not survive the fuzzer's input form")
        }
        let call = try #require(seeds.first)
        guard case let .call(header) = try call[0].withUnsafeBytes({ try Envelope.parseHeader($0) }) else {
            Issue.record("the first seed is not a call")
            return
        }
        var offset = header.argumentsOffset
        let decoded = try call[0].withUnsafeBytes { buffer in
            try BinaryDecodingContext(buffer: buffer).decodeValue(WireFuzzing.Record.self, at: &offset)
        }
        #expect(decoded == WireFuzzing.sample)
    }

    @Test func mutatedFramesNeitherCrashNorHangNorGrowMemory() throws {
        let seeds = try WireFuzzing.seeds().map(WireFuzzing.input(from:))
        var random = SplitMix(state: 0x5EED_F0_1_3E7)
        let iterations = 60_000
        let peakBefore = Self.peakResidentBytes()
        var slowest = Duration.zero
        var slowestInput: [UInt8] = []
        let started = ContinuousClock.now
        var input = seeds[0]
        for iteration in 0..<iterations {
            // Half the time start again from a seed, otherwise keep mutating the last input.
            if iteration % 2 == 0 { input = seeds.randomElement(using: &random)! }
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                input = Self.mutate(input, splice: seeds.randomElement(using: &random)!, using: &random)
            }
            let elapsed = ContinuousClock().measure {
                input.withUnsafeBytes { WireFuzzing.decodeEverything(WireFuzzing.frames(from: $0)) }
            }
            if elapsed > slowest { (slowest, slowestInput) = (elapsed, input) }
        }
        let total = ContinuousClock.now - started
        #expect(slowest < .seconds(1), "slowest input took \(slowest): \(slowestInput)")
        #expect(Self.peakResidentBytes() - peakBefore < 64 << 20, "decoding mutated frames raised the peak memory")
        print("wire fuzzing: \(iterations) mutated inputs in \(total), slowest \(slowest)")
    }

    @Test func purelyRandomFramesAreRejected() {
        var random = SplitMix(state: 42)
        for _ in 0..<30_000 {
            let frames = (0...Int.random(in: 0...2, using: &random)).map { _ in
                (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            WireFuzzing.decodeEverything(frames)
        }
    }

    /// Lengths and counts claiming more than the message holds fail before anything that size
    /// is allocated.
    @Test func oversizedLengthsAreRejectedWithoutAllocating() throws {
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]  // 2^63 - 1
        func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> WireFormatError? {
            do {
                _ = try BinaryDecoder().decode(T.self, from: bytes)
                return nil
            } catch {
                return error as? WireFormatError
            }
        }
        #expect(decode(String.self, [BinaryTag.string.rawValue] + huge)?.description.contains("exceeds the 0 bytes left") == true)
        #expect(decode([Float].self, [BinaryTag.array.rawValue, BinaryElementKind.float32.rawValue] + huge) != nil)
        #expect(decode([Double].self, [BinaryTag.array.rawValue, BinaryElementKind.float64.rawValue, 0x80, 0x80, 0x80, 0x80, 0x10]) != nil)
        // A container claiming 4 GiB, and an array claiming 4 billion elements in 8 bytes.
        #expect(decode([String: Int].self, [BinaryTag.keyed.rawValue, 0xFF, 0xFF, 0xFF, 0xFF]) != nil)
        #expect(decode([Int].self, [BinaryTag.unkeyed.rawValue, 8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4]) != nil)
        // An out-of-band array longer than its frame, and one naming a frame that is not there.
        let blob = [BinaryTag.blob.rawValue, BinaryElementKind.float32.rawValue] + huge + [0]
        #expect(throws: WireFormatError.self) {
            try blob.withUnsafeBytes { buffer in
                var offset = 0
                _ = try BinaryDecodingContext(
                    buffer: buffer, outOfBand: ReceivedFrames(message: [Message(copying: buffer), Message(copying: UnsafeRawBufferPointer(start: nil, count: 0))]))
                    .decodeValue([Float].self, at: &offset)
            }
        }
        // A call claiming 2^63 generic substitutions, and a batch claiming as many messages.
        var call = ByteWriter()
        Envelope.beginCall(&call, callID: 1, targetIncarnation: nil, timeoutMilliseconds: 1, actorName: "a", target: "t", substitutions: [], argumentCount: 0)
        var callBytes = WireFuzzing.bytes(call.take())
        callBytes.replaceSubrange((callBytes.count - 2)..., with: huge)
        #expect(throws: WireFormatError.self) { try callBytes.withUnsafeBytes { try Envelope.parseHeader($0) } }
        let batch: [UInt8] = [Envelope.version, Envelope.Kind.batch.rawValue] + huge
        #expect(throws: WireFormatError.self) { try batch.withUnsafeBytes { try Envelope.unbatch(Message(copying: $0)) } }
    }

    /// A batch frame of many empty messages would make a receiver allocate a frame object per
    /// byte; no sender makes batches larger than `Envelope.maximumBatchCount`.
    @Test func batchesOfEmptyOrTooManyMessagesAreRejected() throws {
        let empty: [UInt8] = [Envelope.version, Envelope.Kind.batch.rawValue, 2, 0, 0, 0, 0, 0, 0]
        let error = #expect(throws: WireFormatError.self) { try empty.withUnsafeBytes { try Envelope.unbatch(Message(copying: $0)) } }
        #expect(error?.description.contains("a batched message of 0 bytes") == true, "\(String(describing: error))")

        var writer = ByteWriter()
        let ping = Envelope.ping(sequence: 1, maximumMessageSize: 1 << 20)
        Envelope.beginBatch(&writer, count: Envelope.maximumBatchCount + 1)
        for _ in 0...Envelope.maximumBatchCount {
            writer.write(varint: UInt64(ping.count))
            ping.withUnsafeBytes { writer.write(bytes: $0) }
        }
        let tooMany = Message(taking: writer.take())
        let refused = #expect(throws: WireFormatError.self) { try Envelope.unbatch(tooMany) }
        #expect(refused?.description.contains("a batch of \(Envelope.maximumBatchCount + 1) messages") == true, "\(String(describing: refused))")
    }
}
