import Foundation
import Testing

@testable import ModelFiles

/// Files written by ``GGUFWriter`` read by llama.cpp's own Python reader (`gguf`, through
/// scripts/golden/gguf-dump.py): what Fulmen exports is what llama.cpp's tooling sees.
@Suite struct GGUFInteropTests {
    static let script = Fixtures.repository.appendingPathComponent("scripts/golden/gguf-dump.py").path

    static func dump(_ path: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "gguf-dump.py failed (is the gguf package installed? scripts/test-requirements.txt):\n\(message)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: [32, 64])
    func theWritersFilesReadTheSameInLlamaCppsReader(alignment: Int) throws {
        var writer = GGUFWriter(alignment: alignment)
        writer.set("general.architecture", .string("llama"))
        writer.set("general.name", .string("merged ✓"))
        writer.set("llama.block_count", .uint32(2))
        writer.set("llama.rope.freq_base", .float32(100_000))
        writer.set("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
        writer.set("tokenizer.ggml.add_bos_token", .bool(true))
        writer.set("tokenizer.ggml.tokens", .array(.string(["<|endoftext|>", "Ġthe", "日本"])))
        writer.set("tokenizer.ggml.token_type", .array(.int32([3, 1, 1])))
        writer.set("tokenizer.ggml.scores", .array(.float32([0, -1.5, 2.25])))
        let norm = (0..<576).map { Float($0) / 64 }
        let projection = (0..<(64 * 3)).map { Float($0 % 17) * 0.125 - 1 }
        try writer.addTensor(name: "output_norm.weight", dimensions: [576], values: norm)
        try writer.addTensor(name: "blk.0.attn_k.weight", dimensions: [64, 3], values: projection, format: .f16)
        let path = temporaryPath("interop.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)

        let ours = try GGUFFile(path: path)
        let theirs = try Self.dump(path)
        #expect(theirs["version"] as? Int == 3)
        #expect(theirs["alignment"] as? Int == alignment)
        #expect(theirs["data_offset"] as? Int == ours.dataOffset)
        let fields = try #require(theirs["fields"] as? [String: Any])
        #expect(fields["general.architecture"] as? String == "llama")
        #expect(fields["general.name"] as? String == "merged ✓")
        #expect(fields["llama.block_count"] as? Int == 2)
        #expect(fields["llama.rope.freq_base"] as? Double == 100_000)
        #expect(fields["llama.attention.layer_norm_rms_epsilon"] as? Double == Double(Float(1e-5)))
        #expect(fields["tokenizer.ggml.add_bos_token"] as? Bool == true)
        #expect(fields["tokenizer.ggml.tokens"] as? [String] == ["<|endoftext|>", "Ġthe", "日本"])
        #expect(fields["tokenizer.ggml.token_type"] as? [Int] == [3, 1, 1])
        #expect(fields["tokenizer.ggml.scores"] as? [Double] == [0, -1.5, 2.25])
        #expect(fields["general.alignment"] as? Int == (alignment == 32 ? nil : alignment))

        let tensors = try #require(theirs["tensors"] as? [[String: Any]])
        #expect(tensors.map { $0["name"] as? String } == ["output_norm.weight", "blk.0.attn_k.weight"])
        #expect(tensors.map { $0["type"] as? String } == ["F32", "F16"])
        #expect(tensors.map { $0["shape"] as? [Int] } == [[576], [64, 3]])
        #expect(tensors.map { $0["offset"] as? Int } == ours.tensors.map { Int($0.offset) })
        #expect((tensors[0]["values"] as? [Double])?.map { Float($0) } == norm)
        #expect((tensors[1]["values"] as? [Double])?.map { Float($0) } == projection)
    }
}
