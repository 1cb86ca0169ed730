import Foundation
import Testing

@testable import ModelFiles

/// Damaged GGUF files: each is refused with an error naming what is wrong and where, and none makes the reader
/// touch memory outside the file.
@Suite struct GGUFCorruptFileTests {
    /// A file with two keys and three tensors (the last one 20 bytes of F32 at the end).
    static func image() throws -> [UInt8] {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("tokenizer.ggml.tokens", .array(.string(["a", "bc", "def"])))
        try writer.addTensor(name: "norm.weight", dimensions: [8], values: (0..<8).map { Float($0) })
        try writer.addTensor(name: "embd.weight", dimensions: [32, 2], type: .q8_0, bytes: q8Blocks(2))
        try writer.addTensor(name: "bias", dimensions: [5], values: [1, 2, 3, 4, 5])
        return writer.image()
    }

    /// `count` Q8_0 blocks with scale 1 and quants 0, 1, 2, ...
    static func q8Blocks(_ count: Int) -> [UInt8] {
        (0..<count).flatMap { _ in [0x00, 0x3C] + (0..<32).map { UInt8($0) } }
    }

    /// The offset of the field after tensor `name`'s name in its tensor info: the dimension count.
    static func infoOffset(_ image: [UInt8], tensor name: String) throws -> Int {
        let needle = littleEndian(UInt64(name.utf8.count)) + Array(name.utf8)
        let start = try #require(
            (0...(image.count - needle.count)).first { Array(image[$0..<($0 + needle.count)]) == needle })
        return start + needle.count
    }

    static func patched(_ image: [UInt8], at offset: Int, _ bytes: [UInt8]) -> [UInt8] {
        var copy = image
        copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        return copy
    }

    static func error(_ image: [UInt8]) -> GGUFError? {
        do {
            _ = try GGUFFile(image: image)
            return nil
        } catch { return error }
    }

    @Test func theHeaderIsChecked() throws {
        let image = try Self.image()
        #expect(Self.error(Self.patched(image, at: 0, Array("GGML".utf8))) == .badMagic(found: Array("GGML".utf8)))
        #expect(Self.error(Self.patched(image, at: 4, littleEndian(UInt32(1)))) == .unsupportedVersion(1))
        #expect(Self.error(Self.patched(image, at: 4, littleEndian(UInt32(4)))) == .unsupportedVersion(4))
        #expect(Self.error(Self.patched(image, at: 4, [0, 0, 0, 3])) == .bigEndian(version: 3))
        #expect(Self.error(Self.patched(image, at: 4, [0, 0, 0, 3]))?.description.contains("big-endian") == true)
        #expect(Self.error([]) == .truncated(what: "magic", offset: 0, needed: 4, fileSize: 0))
        let bad = Self.error(Self.patched(image, at: 0, [0x7F, 0x45, 0x4C, 0x46]))
        #expect(bad?.description == "GGUF: not a GGUF file: it starts with bytes 7f 45 4c 46, not 'GGUF'")
    }

    @Test func everyTruncationIsRefusedAndNothingShorterThanTheLastTensorParses() throws {
        let image = try Self.image()
        let whole = try GGUFFile(image: image)
        let last = try #require(whole.tensors.last)
        let end = whole.dataOffset + Int(last.offset) + last.byteCount
        for length in 0..<image.count {
            let error = Self.error(Array(image.prefix(length)))
            if length < end {
                #expect(error != nil, "a file cut to \(length) of \(image.count) bytes was accepted")
                switch error {
                // A count read from a cut file is more than what is left of it.
                case .truncated, .tensorOutOfRange, .absurdCount: break
                default: Issue.record("\(length) bytes: \(String(describing: error))")
                }
            } else {
                #expect(error == nil, "only padding cut (\(length) bytes), but: \(String(describing: error))")
            }
        }
        let cut = Self.error(Array(image.prefix(end - 1)))
        #expect(
            cut
                == .tensorOutOfRange(
                    tensor: "bias", offset: last.offset, byteCount: 20, dataSize: end - 1 - whole.dataOffset))
    }

    @Test func absurdCountsAreRefusedByName() throws {
        let image = try Self.image()
        let huge = littleEndian(UInt64(1) << 40)
        #expect(
            Self.error(Self.patched(image, at: 8, huge))
                == .absurdCount(what: "tensor count", count: 1 << 40, offset: 8))
        #expect(
            Self.error(Self.patched(image, at: 16, huge))
                == .absurdCount(what: "metadata key count", count: 1 << 40, offset: 16))
        // The element count of the tokens array follows its key, value type and element type.
        let key = try Self.infoOffset(image, tensor: "tokenizer.ggml.tokens")
        #expect(
            Self.error(Self.patched(image, at: key + 8, huge))
                == .absurdCount(
                    what: "element count of metadata 'tokenizer.ggml.tokens'", count: 1 << 40, offset: key + 8))
        // A string longer than the file.
        #expect(
            Self.error(Self.patched(image, at: 24, huge))
                == .truncated(what: "metadata key 0", offset: 32, needed: 1 << 40, fileSize: image.count))
        let dims = try Self.infoOffset(image, tensor: "bias")
        #expect(
            Self.error(Self.patched(image, at: dims, littleEndian(UInt32(5))))
                == .absurdCount(what: "dimension count of tensor 'bias'", count: 5, offset: dims))
        let overflow = Self.patched(image, at: dims + 4, littleEndian(UInt64(1) << 62))
        #expect(Self.error(overflow) == .badDimensions(tensor: "bias", dimensions: [1 << 62]))
    }

    @Test func valueTypesAndStringsAreChecked() throws {
        let image = try Self.image()
        let key = try Self.infoOffset(image, tensor: "general.architecture")
        #expect(
            Self.error(Self.patched(image, at: key, littleEndian(UInt32(99))))
                == .unknownValueType(key: "general.architecture", code: 99, offset: key))
        #expect(
            Self.error(Self.patched(image, at: key - 1, [0xFF])) == .invalidUTF8(what: "metadata key 0", offset: 24))
        var writer = GGUFWriter()
        writer.set("k1", .uint32(1))
        writer.set("k2", .uint32(2))
        let keys = writer.image()
        let second = try Self.infoOffset(keys, tensor: "k2")
        #expect(
            Self.error(Self.patched(keys, at: second - 2, Array("k1".utf8))) == .duplicateKey("k1", offset: second - 10)
        )
    }

    @Test func theTensorLayoutIsChecked() throws {
        let image = try Self.image()
        let info = try Self.infoOffset(image, tensor: "bias")
        // n_dims (4), one dimension (8), type (4), offset (8).
        let typeAt = info + 4 + 8
        let offsetAt = typeAt + 4
        let file = try GGUFFile(image: image)
        let bias = try #require(file.info(named: "bias"))
        let dataSize = image.count - file.dataOffset
        #expect(
            Self.error(Self.patched(image, at: typeAt, littleEndian(UInt32(99))))
                == .unknownTensorType(tensor: "bias", code: 99))
        #expect(
            Self.error(Self.patched(image, at: offsetAt, littleEndian(bias.offset + 1)))
                == .misalignedTensor(tensor: "bias", offset: bias.offset + 1, alignment: 32))
        #expect(
            Self.error(Self.patched(image, at: offsetAt, littleEndian(UInt64(1) << 50)))
                == .tensorOutOfRange(tensor: "bias", offset: 1 << 50, byteCount: 20, dataSize: dataSize))
        #expect(
            Self.error(Self.patched(image, at: offsetAt, littleEndian(UInt64(0))))
                == .overlappingTensors("norm.weight", "bias"))
        // Q8_0 rows of 16 values are half a block.
        let embd = try Self.infoOffset(image, tensor: "embd.weight")
        #expect(
            Self.error(Self.patched(image, at: embd + 4, littleEndian(UInt64(16))))
                == .rowNotWholeBlocks(tensor: "embd.weight", type: .q8_0, rowLength: 16))
        // Two tensors of one name.
        var writer = GGUFWriter()
        try writer.addTensor(name: "t1", dimensions: [1], values: [1])
        try writer.addTensor(name: "t2", dimensions: [1], values: [2])
        let pair = writer.image()
        let renamed = Self.patched(pair, at: try Self.infoOffset(pair, tensor: "t2") - 2, Array("t1".utf8))
        #expect(Self.error(renamed) == .duplicateTensor("t1"))
    }

    @Test func alignmentMustBeAPowerOfTwoAndUInt32() throws {
        var writer = GGUFWriter()
        writer.set("general.alignment", .uint32(24))
        #expect(Self.error(writer.image()) == .badAlignment("24 is not a power of two"))
        writer.set("general.alignment", .uint64(32))
        #expect(Self.error(writer.image()) == .badAlignment("it is uint64, expected uint32"))
        writer.set("general.alignment", .uint32(0))
        #expect(Self.error(writer.image()) == .badAlignment("0 is not a power of two"))
    }

    @Test func deeplyNestedArraysAreRefused() throws {
        var value = GGUFArray.uint8([1])
        for _ in 0..<40 { value = .array([value]) }
        var writer = GGUFWriter()
        writer.set("deep", .array(value))
        guard case .absurdCount(let what, _, _) = Self.error(writer.image()) else {
            Issue.record("nesting of 41 arrays was accepted")
            return
        }
        #expect(what.contains("nesting depth of metadata 'deep'"))
    }

    @Test func aTypeThatCannotBeDequantisedIsRefusedByName() throws {
        var writer = GGUFWriter()
        try writer.addTensor(
            name: "blk.0.ffn_up.weight", dimensions: [256], type: .q2_K, bytes: [UInt8](repeating: 0, count: 84))
        let file = try GGUFFile(image: writer.image())
        let tensor = try file.tensor(named: "blk.0.ffn_up.weight")
        #expect(tensor.info.type == .q2_K)
        let error = #expect(throws: GGUFError.unsupportedTensorType(tensor: "blk.0.ffn_up.weight", type: .q2_K)) {
            try tensor.dequantized()
        }
        #expect(error?.description.contains("type Q2_K") == true)
    }

    @Test func randomlyDamagedFilesAreRefusedOrReadWithoutFault() throws {
        let seed = UInt64.random(in: 0..<UInt64.max)
        print("GGUFCorruptFileTests.randomlyDamagedFiles: seed \(seed)")
        var random = SplitMix64(seed: seed)
        let image = try Self.image()
        var refused = 0
        for _ in 0..<3000 {
            var damaged = image
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                damaged[Int.random(in: 0..<damaged.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            do {
                let file = try GGUFFile(image: damaged)
                for info in file.tensors where info.type.canDequantize {
                    _ = try file.tensor(named: info.name).dequantized()
                }
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(refused > 0, "seed \(seed)")
    }
}
