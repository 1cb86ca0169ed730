// Shared by the mutation test (WireFuzzTests) and the libFuzzer target (Tests/WireFuzzer), which
// compiles this file into one module with the ZMQActorSystem sources (scripts/fuzz-wire).
#if !WIRE_FUZZER
import BinaryCoding
import Foundation
@testable import ZMQActorSystem
import ZeroMQ
#else
import BinaryCoding
import FoundationEssentials
import ZeroMQ
#endif

/// Runs bytes through every decoder a node applies to the frames it receives: routing ids,
/// batches, envelopes (calls, replies, pings, pongs), thrown errors and failures, and arguments
/// and results of the shapes real messages have, with out-of-band frames.
enum WireFuzzing {
    /// A value with the shapes Fulmen's messages have.
    struct Record: Codable, Equatable {
        var id: String
        var count: Int
        var small: UInt8
        var shape: Shape
        var note: String?
        var scores: [String: Float]
        var byStep: [Int: Double]
        var weights: [Float]
        var tokens: [Int32]
        var payload: Data
        var children: [Record]
    }

    indirect enum Shape: Codable, Equatable {
        case point
        case circle(radius: Double)
        case group([Shape], name: String?)
    }

    /// Computed, not stored: a global would hold indirect-enum boxes through pointers whose spare
    /// bits carry the case, which LeakSanitizer (in scripts/fuzz-wire) mistakes for leaks.
    static var sample: Record {
        Record(
            id: "root ✓", count: -42, small: 7, shape: .group([.point, .circle(radius: 2.5)], name: "g"), note: nil,
            scores: ["a": 1.5, "b": -2], byStep: [1: 0.5, 20: -1], weights: (0..<40).map(Float.init), tokens: [1, -2, 3],
            payload: Data([1, 2, 3]),
            children: [
                Record(
                    id: "child", count: .max, small: 0, shape: .point, note: "n", scores: [:], byStep: [:], weights: [],
                    tokens: [], payload: Data(), children: []),
            ])
    }

    // MARK: Decoding

    /// Decodes `frames` (frame 0 the message, the rest its out-of-band frames) every way a node
    /// might; errors are expected, crashes and hangs are bugs.
    static func decodeEverything(_ frames: [[UInt8]]) {
        guard let first = frames.first else { return }
        let blobs = ReceivedFrames(message: frames.map { frame in frame.withUnsafeBytes { Message(copying: $0) } })
        first.withUnsafeBytes { buffer in
            _ = Envelope.node(fromRoutingID: buffer)
            decodeMessage(buffer, blobs: blobs)
        }
        let frame = first.withUnsafeBytes { Message(copying: $0) }
        if let batch = try? Envelope.unbatch(frame) {
            for message in batch {
                message.withUnsafeBytes { decodeMessage($0, blobs: ReceivedFrames(message: [message])) }
            }
        }
        let decoder = BinaryDecoder()
        _ = try? decoder.decode(Record.self, from: first)
        _ = try? decoder.decode([String: [Int]].self, from: first)
    }

    /// Parses an envelope and decodes what it carries.
    static func decodeMessage(_ buffer: UnsafeRawBufferPointer, blobs: ReceivedFrames) {
        guard let header = try? Envelope.parseHeader(buffer) else { return }
        switch header {
        case let .call(call):
            var offset = call.argumentsOffset
            for _ in 0..<min(call.argumentCount, 8) {
                decodeValues(buffer, blobs: blobs, at: offset)
                guard let end = try? BinaryDecodingContext(buffer: buffer, outOfBand: blobs).end(ofValueAt: offset) else { return }
                offset = end
            }
        case let .reply(_, status, bodyOffset):
            switch status {
            case .value: decodeValues(buffer, blobs: blobs, at: bodyOffset)
            case .void: break
            case .thrown:
                if let thrown = try? Envelope.readThrown(buffer, at: bodyOffset), let payload = thrown.payload {
                    _ = try? BinaryDecoder().decode(Record.self, from: payload)
                }
            case .failure: _ = try? Envelope.readFailure(buffer, at: bodyOffset)
            }
        case .ping, .pong: break
        }
    }

    /// Decodes the value at `offset` as each of several types.
    static func decodeValues(_ buffer: UnsafeRawBufferPointer, blobs: ReceivedFrames, at offset: Int) {
        func attempt<T: Decodable>(_ type: T.Type) {
            var at = offset
            _ = try? BinaryDecodingContext(buffer: buffer, outOfBand: blobs).decodeValue(T.self, at: &at)
        }
        attempt(Record.self)
        attempt([Record].self)
        attempt(Shape.self)
        attempt([Int: String].self)
        attempt(Set<String>.self)
        attempt([[Int]].self)
        attempt([Float].self)
        attempt(Data.self)
        attempt(String.self)
        attempt(Int16.self)
        attempt(Double.self)
        attempt(Bool?.self)
    }

    // MARK: Inputs

    /// Splits one fuzzer input into frames: the low two bits of byte 0 count the out-of-band
    /// frames, whose 16-bit little-endian lengths follow; the rest is frame 0 then those frames.
    static func frames(from input: UnsafeRawBufferPointer) -> [[UInt8]] {
        guard let head = input.first else { return [[]] }
        let count = Int(head & 3)
        var offset = 1
        var lengths: [Int] = []
        for _ in 0..<count {
            guard offset + 2 <= input.count else { break }
            lengths.append(Int(input[offset]) | Int(input[offset + 1]) << 8)
            offset += 2
        }
        var end = input.count
        var blobs: [[UInt8]] = []
        for length in lengths.reversed() {
            let start = max(offset, end - length)
            blobs.insert(Array(input[start..<end]), at: 0)
            end = start
        }
        return [Array(input[offset..<end])] + blobs
    }

    /// The fuzzer input that `frames(from:)` splits into `frames` (each out-of-band frame under 64 KiB).
    static func input(from frames: [[UInt8]]) -> [UInt8] {
        let blobs = frames.dropFirst().prefix(3)
        var bytes: [UInt8] = [UInt8(blobs.count)]
        for blob in blobs { bytes += [UInt8(blob.count & 0xFF), UInt8(blob.count >> 8 & 0xFF)] }
        return bytes + (frames.first ?? []) + blobs.joined()
    }

    /// A copy of bytes written for sending (alive until the copy is made).
    static func bytes(_ owned: OwnedBytes) -> [UInt8] {
        withExtendedLifetime(owned) { Array(owned.bytes) }
    }

    /// Well-formed messages of every kind, as a node sends them: where mutation starts.
    static func seeds() throws -> [[[UInt8]]] {
        func call(_ arguments: [any Encodable], blobThreshold: Int? = 180) throws -> [[UInt8]] {
            let frames = blobThreshold.map(OutgoingFrames.init(threshold:))
            let context = BinaryEncodingContext(outOfBand: frames)
            for argument in arguments {
                try context.encode(argument)
            }
            var writer = ByteWriter()
            Envelope.beginCall(
                &writer, callID: 9, targetIncarnation: 77, timeoutMilliseconds: 10_000, actorName: "store",
                target: "$s10FulmenCore5StoreP7enqueueyS2aF", substitutions: ["Si"], argumentCount: arguments.count)
            writer.write(bytes: UnsafeRawBufferPointer(start: context.writer.base, count: context.writer.count))
            return [bytes(writer.take())] + (frames?.take() ?? []).map(bytes)
        }
        func reply(_ status: Envelope.ReplyStatus, _ body: (inout ByteWriter) throws -> Void) rethrows -> [[UInt8]] {
            var writer = ByteWriter()
            Envelope.beginReply(&writer, callID: 9, status: status)
            try body(&writer)
            return [bytes(writer.take())]
        }
        let record = try BinaryEncoder().encode(sample)
        let value = reply(.value) { writer in record.withUnsafeBytes { writer.write(bytes: $0) } }
        let small = try call(["x", 3])
        var batch = ByteWriter()
        Envelope.beginBatch(&batch, count: 2)
        for message in [small[0], Envelope.ping(sequence: 1, maximumMessageSize: 1 << 20)] {
            batch.write(varint: UInt64(message.count))
            message.withUnsafeBytes { batch.write(bytes: $0) }
        }
        return [
            try call([sample, "text", 12, Shape.circle(radius: 1), [3: "three"]]),
            try call([[Float](repeating: 0.25, count: 100), Data(count: 200), [sample, sample]]),
            small,
            value,
            reply(.void) { _ in },
            try reply(.thrown) { Envelope.writeThrown(&$0, typeName: "Test.Failure", message: "no", payload: try BinaryEncoder().encode(sample)) },
            reply(.failure) { Envelope.writeFailure(&$0, code: .unknownActor, message: "no actor named 'x'") },
            [Envelope.ping(sequence: 1, maximumMessageSize: 1 << 20)],
            [Envelope.pong(sequence: 1, incarnation: 5, maximumMessageSize: 1 << 20, session: 2)],
            [bytes(batch.take())],
            [record],
            [try BinaryEncoder().encode(["k": [1, 2, 3]])],
            [Envelope.routingID(for: NodeID(endpoint: "tcp://10.0.0.5:7300", incarnation: 3))],
        ]
    }
}
