import Foundation
import Testing

@testable import ModelFiles

/// ``GGUFStreamWriter``: the same bytes as ``GGUFWriter`` for the same content however the tensors are cut, the file
/// in place only once finished, and misuse refused by tensor name.
@Suite struct GGUFStreamWriterTests {
    static let metadata: [(key: String, value: GGUFValue)] = [
        ("general.architecture", .string("llama")), ("general.name", .string("stream ✓")),
        ("llama.block_count", .uint32(2)), ("tokenizer.ggml.tokens", .array(.string(["<s>", "a", "Ġb"]))),
        ("test.nested", .array(.array([.uint8([1, 2]), .string(["x"])]))), ("test.float64", .float64(0.25)),
    ]
    static let norm: [Float] = (0..<7).map { Float($0) * 0.5 }
    static let projection: [Float] = (0..<24).map { Float($0) / 3 - 4 }
    static let tensors = [
        GGUFTensorDeclaration(name: "norm.weight", dimensions: [7], type: .f32),
        GGUFTensorDeclaration(name: "empty", dimensions: [0], type: .f32),
        GGUFTensorDeclaration(name: "proj.weight", dimensions: [8, 3], type: .f16),
        GGUFTensorDeclaration(name: "blocks", dimensions: [32], type: .q8_0),
    ]
    /// One Q8_0 block: scale 1.0 (F16 0x3C00), then 32 signed bytes.
    static let block: [UInt8] = [0x00, 0x3C] + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }

    /// The in-memory writer's image of the same content.
    static func expectedImage(alignment: Int) throws -> [UInt8] {
        var writer = GGUFWriter(alignment: alignment)
        for (key, value) in metadata { writer.set(key, value) }
        try writer.addTensor(name: "norm.weight", dimensions: [7], values: norm)
        try writer.addTensor(name: "empty", dimensions: [0], values: [])
        try writer.addTensor(name: "proj.weight", dimensions: [8, 3], values: projection, format: .f16)
        try writer.addTensor(name: "blocks", dimensions: [32], type: .q8_0, bytes: block)
        return writer.image()
    }

    @Test(arguments: [32, 64], [1, 5, 100])
    func test_streamedFile_shouldEqualTheInMemoryImage(alignment: Int, piece: Int) throws {
        let path = temporaryPath("stream.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try GGUFStreamWriter(path: path, metadata: Self.metadata, tensors: Self.tensors, alignment: alignment)
        #expect(writer.nextTensor?.name == "norm.weight")
        for start in stride(from: 0, to: Self.norm.count, by: piece) {
            try Self.norm[start..<min(start + piece, Self.norm.count)].withUnsafeBufferPointer {
                try writer.append(floats: $0, as: .f32)
            }
        }
        // The empty tensor is complete as soon as it comes up.
        #expect(writer.nextTensor?.name == "proj.weight")
        try Self.projection.withUnsafeBufferPointer { try writer.append(floats: $0, as: .f16) }
        for start in stride(from: 0, to: Self.block.count, by: piece) {
            try Self.block[start..<min(start + piece, Self.block.count)].withUnsafeBytes { try writer.append($0) }
        }
        #expect(writer.nextTensor == nil)
        #expect(!FileManager.default.fileExists(atPath: path), "the file must appear only when finished")
        try writer.finish()
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == (try Self.expectedImage(alignment: alignment)))
        let file = try GGUFFile(path: path)
        #expect(file.alignment == alignment)
        #expect(try file.tensor(named: "proj.weight").dequantized() == Self.projection.map { HalfPrecision.float(half: HalfPrecision.half($0)) })
    }

    @Test func test_misuse_shouldBeRefusedByTensorName() throws {
        let directory = temporaryPath("stream-dir")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.gguf"
        func writer() throws -> GGUFStreamWriter {
            try GGUFStreamWriter(path: path, metadata: Self.metadata, tensors: Self.tensors)
        }
        try misuse(try writer())
        // An abandoned writer leaves nothing behind: the one above is gone with its temporary file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        // Malformed declarations.
        var error = #expect(throws: GGUFError.self) {
            try GGUFStreamWriter(path: path, metadata: [], tensors: [Self.tensors[0], Self.tensors[0]])
        }
        #expect(error == .invalidTensorForWriting(tensor: "norm.weight", reason: "a tensor of that name was already declared"))
        error = #expect(throws: GGUFError.self) {
            try GGUFStreamWriter(path: path, metadata: [], tensors: [GGUFTensorDeclaration(name: "q", dimensions: [20], type: .q8_0)])
        }
        #expect(error == .invalidTensorForWriting(tensor: "q", reason: "rows of 20 are not whole Q8_0 blocks of 32"))
        error = #expect(throws: GGUFError.self) {
            try GGUFStreamWriter(path: path, metadata: Self.metadata + [("general.name", .string("again"))], tensors: [])
        }
        #expect(error == .duplicateKey("general.name", offset: -1))
        // A directory that does not exist.
        error = #expect(throws: GGUFError.self) {
            try GGUFStreamWriter(path: "/nonexistent-fulmen/model.gguf", metadata: [], tensors: [])
        }
        guard case .cannotWrite(let failedPath, _) = error else {
            Issue.record("expected cannotWrite, got \(String(describing: error))")
            return
        }
        #expect(failedPath.hasPrefix("/nonexistent-fulmen/model.gguf"))
    }

    /// Too many bytes, the wrong type, finishing early: each refused naming the tensor.
    private func misuse(_ w: GGUFStreamWriter) throws {
        let tooMany = [Float](repeating: 1, count: 8)
        var error = #expect(throws: GGUFError.self) { try tooMany.withUnsafeBufferPointer { try w.append(floats: $0, as: .f32) } }
        #expect(error == .invalidTensorForWriting(tensor: "norm.weight", reason: "32 bytes given with 28 of its 28 left"))
        error = #expect(throws: GGUFError.self) { try tooMany.withUnsafeBufferPointer { try w.append(floats: $0, as: .f16) } }
        #expect(error == .invalidTensorForWriting(tensor: "norm.weight", reason: "declared F32, given F16 values"))
        try Self.norm.prefix(3).withUnsafeBufferPointer { try w.append(floats: $0, as: .f32) }
        error = #expect(throws: GGUFError.self) { try w.finish() }
        #expect(
            error == .invalidTensorForWriting(tensor: "norm.weight", reason: "only 12 of its 28 bytes were given before finish()"))
    }
}
