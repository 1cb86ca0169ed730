import Foundation
import Testing

@testable import ModelFiles

/// GGUF files written by ``GGUFWriter`` and read back: header, metadata of every type, tensor infos, alignment,
/// tensor bytes; typed accessors and their errors.
@Suite struct GGUFReadingTests {
    /// A small file with metadata of every type and three tensors.
    static func sample(alignment: Int = 32) throws -> GGUFWriter {
        var writer = GGUFWriter(alignment: alignment)
        writer.set("general.architecture", .string("llama"))
        writer.set("general.name", .string("tiny ✓ test"))
        writer.set("llama.block_count", .uint32(2))
        writer.set("test.int8", .int8(-7))
        writer.set("test.uint8", .uint8(200))
        writer.set("test.int16", .int16(-300))
        writer.set("test.uint16", .uint16(60000))
        writer.set("test.int32", .int32(-70000))
        writer.set("test.int64", .int64(-5_000_000_000))
        writer.set("test.uint64", .uint64(5_000_000_000))
        writer.set("test.float32", .float32(1e-5))
        writer.set("test.float64", .float64(100000.5))
        writer.set("test.bool", .bool(true))
        writer.set("tokenizer.ggml.tokens", .array(.string(["<s>", "a", "Ġb", "", "日本"])))
        writer.set("tokenizer.ggml.scores", .array(.float32([0, -1.5, 2.25, 3, 4])))
        writer.set("tokenizer.ggml.token_type", .array(.int32([3, 1, 1, 1, 1])))
        writer.set("test.nested", .array(.array([.uint8([1, 2]), .string(["x"]), .array([])])))
        writer.set("test.empty", .array(.bool([])))
        try writer.addTensor(name: "norm.weight", dimensions: [8], values: (0..<8).map { Float($0) * 0.5 })
        try writer.addTensor(
            name: "proj.weight", dimensions: [4, 3], values: (0..<12).map { Float($0) - 6 }, format: .f16)
        try writer.addTensor(name: "bias", dimensions: [5], values: [1, 2, 3, 4, 5])
        return writer
    }

    @Test func writtenFileReadsBackWithEveryValueAndTensor() throws {
        let writer = try Self.sample()
        let path = temporaryPath("sample.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.metadata.keys.first == "general.architecture")
        #expect(file.metadata.keys.count == 18)
        #expect(try file.metadata.string("general.architecture") == "llama")
        #expect(try file.metadata.string("general.name") == "tiny ✓ test")
        #expect(try file.metadata.uint32("llama.block_count") == 2)
        #expect(file.metadata["test.int8"] == .int8(-7))
        #expect(file.metadata["test.uint8"] == .uint8(200))
        #expect(file.metadata["test.int16"] == .int16(-300))
        #expect(file.metadata["test.uint16"] == .uint16(60000))
        #expect(try file.metadata.int32("test.int32") == -70000)
        #expect(file.metadata["test.int64"] == .int64(-5_000_000_000))
        #expect(try file.metadata.uint64("test.uint64") == 5_000_000_000)
        #expect(try file.metadata.float32("test.float32") == 1e-5)
        #expect(try file.metadata.real("test.float64") == 100000.5)
        #expect(try file.metadata.bool("test.bool"))
        #expect(try file.metadata.strings("tokenizer.ggml.tokens") == ["<s>", "a", "Ġb", "", "日本"])
        #expect(try file.metadata.floats("tokenizer.ggml.scores") == [0, -1.5, 2.25, 3, 4])
        #expect(try file.metadata.integers("tokenizer.ggml.token_type") == [3, 1, 1, 1, 1])
        #expect(file.metadata["test.nested"] == .array(.array([.uint8([1, 2]), .string(["x"]), .array([])])))
        #expect(file.metadata["test.empty"] == .array(.bool([])))
        #expect(try file.metadata.integer("test.int16") == -300)
        #expect(try file.metadata.integer("test.uint64") == 5_000_000_000)

        #expect(file.tensors.map(\.name) == ["norm.weight", "proj.weight", "bias"])
        let projection = try file.tensor(named: "proj.weight")
        #expect(projection.info.dimensions == [4, 3])
        #expect(projection.info.type == .f16)
        #expect(projection.info.rowLength == 4)
        #expect(projection.info.rowCount == 3)
        #expect(projection.info.byteCount == 24)
        #expect(try projection.dequantized() == (0..<12).map { Float($0) - 6 })
        #expect(try projection.dequantized(rows: 1..<3) == (4..<12).map { Float($0) - 6 })
        #expect(try file.tensor(named: "norm.weight").dequantized() == (0..<8).map { Float($0) * 0.5 })
        #expect(try file.tensor(named: "bias").dequantized() == [1, 2, 3, 4, 5])
        for tensor in file.tensors { #expect(tensor.offset % 32 == 0, "\(tensor.name)") }
    }

    @Test func aCustomAlignmentIsWrittenAndHonoured() throws {
        let file = try GGUFFile(image: try Self.sample(alignment: 64).image())
        #expect(file.alignment == 64)
        #expect(try file.metadata.uint32("general.alignment") == 64)
        #expect(file.dataOffset % 64 == 0)
        for tensor in file.tensors { #expect(tensor.offset % 64 == 0) }
        #expect(try file.tensor(named: "bias").dequantized() == [1, 2, 3, 4, 5])
    }

    @Test func version2FilesAreRead() throws {
        var image = try Self.sample().image()
        image[4] = 2
        let file = try GGUFFile(image: image)
        #expect(file.version == 2)
        #expect(try file.tensor(named: "bias").dequantized() == [1, 2, 3, 4, 5])
    }

    @Test func typedAccessorsNameTheKeyAndBothTypes() throws {
        let metadata = try GGUFFile(image: try Self.sample().image()).metadata
        #expect(throws: GGUFError.missingKey("llama.context_length")) { try metadata.uint32("llama.context_length") }
        #expect(throws: GGUFError.typeMismatch(key: "llama.block_count", expected: "string", found: "uint32")) {
            try metadata.string("llama.block_count")
        }
        #expect(throws: GGUFError.typeMismatch(key: "general.name", expected: "uint32", found: "string")) {
            try metadata.uint32("general.name")
        }
        #expect(
            throws: GGUFError.typeMismatch(
                key: "tokenizer.ggml.scores", expected: "array of string", found: "array of float32")
        ) { try metadata.strings("tokenizer.ggml.scores") }
        #expect(
            throws: GGUFError.typeMismatch(
                key: "tokenizer.ggml.tokens", expected: "array of integers", found: "array of string")
        ) { try metadata.integers("tokenizer.ggml.tokens") }
        #expect(throws: GGUFError.typeMismatch(key: "test.bool", expected: "float32 or float64", found: "bool")) {
            try metadata.real("test.bool")
        }
        let error = #expect(throws: GGUFError.self) { try metadata.bool("test.int8") }
        #expect(error?.description == "GGUF: metadata 'test.int8' is int8, expected bool")
    }

    @Test func tensorsAreFoundByNameAndRowsAreChecked() throws {
        let file = try GGUFFile(image: try Self.sample().image())
        #expect(throws: GGUFError.missingTensor("output.weight")) { try file.tensor(named: "output.weight") }
        let projection = try file.tensor(named: "proj.weight")
        #expect(throws: GGUFError.rowsOutOfRange(tensor: "proj.weight", rows: 2..<4, rowCount: 3)) {
            try projection.dequantized(rows: 2..<4)
        }
        var row = [Float](repeating: 0, count: 3)
        let error = #expect(throws: GGUFError.self) {
            try row.withUnsafeMutableBufferPointer { try projection.dequantize(row: 0, into: $0) }
        }
        guard case .bufferSizeMismatch(_, let expected, let found) = error else {
            Issue.record("expected a buffer size error, got \(String(describing: error))")
            return
        }
        #expect(expected == 4 && found == 3)
        row = [Float](repeating: 0, count: 4)
        try row.withUnsafeMutableBufferPointer { try projection.dequantize(row: 2, into: $0) }
        #expect(row == [2, 3, 4, 5])
    }

    @Test func theWriterRefusesMalformedTensors() throws {
        var writer = GGUFWriter()
        try writer.addTensor(name: "a", dimensions: [2], values: [1, 2])
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "a", dimensions: [2], values: [1, 2]) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "b", dimensions: [3], values: [1, 2]) }
        #expect(throws: GGUFError.self) { try writer.addTensor(name: "c", dimensions: [], values: []) }
        #expect(throws: GGUFError.self) {
            try writer.addTensor(name: "d", dimensions: [16], type: .q8_0, bytes: [UInt8](repeating: 0, count: 34))
        }
    }
}
