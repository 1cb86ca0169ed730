import Foundation
import FulmenModel
import ModelFiles
import Testing

@testable import FulmenLlama

/// `Llama.exportGGUF` on tiny models: F32 round trips bit for bit, F16 stores the rounded matrices, the source's
/// metadata is carried with the shape rewritten, and what cannot be exported is refused by name.
@Suite struct LlamaGGUFExportTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-export-\(UUID().uuidString)-\(name)").path
    }

    /// A tiny model with a random adapter merged in, tied or not.
    static func mergedModel(seed: UInt64, tied: Bool) throws -> Llama {
        var config = LlamaTestSupport.tiny
        config.tiedEmbeddings = tied
        let model = try LlamaTestSupport.model(config, seed: seed)
        let adapters = try model.attachAdapters(LoRAModelTests.everyTarget, seed: seed &+ 1)
        let values = LlamaTestSupport.random(adapters.parameterCount, seed: seed &+ 2, scale: 0.3)
        for site in adapters.layout.sites {
            for i in 0..<(site.outputSize * 4) { adapters.parameters.base[site.b + i] = values[site.b + i] }
        }
        try model.mergeAdapters()
        return model
    }

    /// F32: the file loads back as the same configuration, the same tensors and the same logits, bit for bit; its
    /// tensors are F32 under GGUF's names with GGUF's innermost-first dimensions.
    @Test(arguments: [true, false])
    func test_f32Export_shouldRoundTripExactly(tied: Bool) throws {
        let model = try Self.mergedModel(seed: 61, tied: tied)
        let path = Self.temporaryPath("f32.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.exportGGUF(to: path, format: .f32)
        let file = try GGUFFile(path: path)
        #expect(try LlamaConfig(gguf: file) == model.config)
        #expect(file.metadata["general.file_type"] == .uint32(0))
        #expect(file.tensors.map(\.name) == model.tensorNames)
        #expect(file.tensors.allSatisfy { $0.type == .f32 })
        #expect(file.info(named: "blk.0.attn_k.weight")?.dimensions == [32, 16])
        #expect((file.info(named: "output.weight") == nil) == tied)
        let loaded = try Llama(gguf: file, decodingWeights: .float32)
        for name in model.tensorNames { #expect(loaded.tensor(named: name) == model.tensor(named: name), "\(name)") }
        #expect(try loaded.logits(for: LoRAModelTests.sequence) == model.logits(for: LoRAModelTests.sequence))
    }

    /// F16: matrices rounded to half precision (to nearest even), norm vectors kept F32 as llama.cpp's converter
    /// keeps them; logits within the rounding's reach.
    @Test func test_f16Export_shouldStoreHalfMatricesAndFloatNorms() throws {
        let model = try Self.mergedModel(seed: 62, tied: true)
        let path = Self.temporaryPath("f16.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.exportGGUF(to: path, format: .f16)
        let file = try GGUFFile(path: path)
        #expect(file.metadata["general.file_type"] == .uint32(1))
        let loaded = try Llama(gguf: file, decodingWeights: .float32)
        for info in file.tensors {
            let original = try #require(model.tensor(named: info.name))
            #expect(info.type == (original.shape.count == 1 ? .f32 : .f16), "\(info.name)")
            let rounded = original.shape.count == 1
                ? original.scalars : original.scalars.map { HalfPrecision.float(half: HalfPrecision.half($0)) }
            #expect(loaded.tensor(named: info.name)?.scalars == rounded, "\(info.name)")
        }
        let (ours, theirs) = (try model.logits(for: LoRAModelTests.sequence), try loaded.logits(for: LoRAModelTests.sequence))
        let difference = zip(ours.scalars, theirs.scalars).map { abs($0 - $1) }.max()!
        print("tiny F16 export: largest logit difference \(difference)")
        #expect(difference < 5e-2)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 < 2 * 4 * model.parameterCount / 3)
    }

    /// The source's metadata (tokenizer, chat template, names) comes along in its order; the `llama.*` shape is the
    /// model's own; what described the source's storage (file type, quantisation version, alignment) and llama.*
    /// keys Fulmen does not model are dropped.
    @Test func test_sourceMetadata_shouldBeCarriedWithTheModelsShape() throws {
        let model = try Self.mergedModel(seed: 63, tied: true)
        let tokens = (0..<61).map { "t\($0)" }
        var source = GGUFWriter(alignment: 64)
        source.set("general.architecture", .string("llama"))
        source.set("general.name", .string("Tiny Instruct"))
        source.set("general.file_type", .uint32(3))
        source.set("general.quantization_version", .uint32(2))
        source.set("llama.context_length", .uint32(9999))
        source.set("llama.block_count", .uint32(2))
        source.set("llama.expert_count", .uint32(0))
        source.set("tokenizer.ggml.model", .string("gpt2"))
        source.set("tokenizer.ggml.tokens", .array(.string(tokens)))
        source.set("tokenizer.chat_template", .string("{% for m in messages %}{{ m.content }}{% endfor %}"))
        try source.addTensor(name: "x", dimensions: [1], values: [0])
        let metadata = try GGUFFile(image: source.image()).metadata
        let path = Self.temporaryPath("meta.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.exportGGUF(to: path, format: .f32, metadata: metadata)
        let exported = try GGUFFile(path: path).metadata
        #expect(
            Array(exported.keys.prefix(7)) == [
                "general.architecture", "general.name", "llama.context_length", "llama.block_count",
                "tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.chat_template",
            ])
        for key in ["general.name", "tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.chat_template"] {
            #expect(exported[key] == metadata[key], "\(key)")
        }
        #expect(try exported.integer("llama.context_length") == model.config.contextLength)
        #expect(exported["general.file_type"] == .uint32(0))
        for key in ["general.quantization_version", "general.alignment", "llama.expert_count"] {
            #expect(exported[key] == nil, "\(key) should not be carried")
        }
        #expect(try GGUFFile(path: path).alignment == 32)
        #expect(try LlamaConfig(gguf: try GGUFFile(path: path)) == model.config)
    }

    /// Attached adapters, metadata of another model, an unwritable path: each refused, naming what is wrong, and no
    /// file left behind.
    @Test func test_badExports_shouldBeRefusedByName() throws {
        let model = try LoRAModelTests.adaptedModel(seed: 64)
        let path = Self.temporaryPath("bad.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var error = #expect(throws: LlamaExportError.self) { try model.exportGGUF(to: path) }
        #expect(error == .adaptersAttached)
        try model.mergeAdapters()

        func metadata(_ entries: [(String, GGUFValue)]) throws -> GGUFMetadata {
            var writer = GGUFWriter()
            for (key, value) in entries { writer.set(key, value) }
            return try GGUFFile(image: writer.image()).metadata
        }
        error = #expect(throws: LlamaExportError.self) {
            try model.exportGGUF(to: path, metadata: try metadata([("general.architecture", .string("gpt2"))]))
        }
        #expect(error == .sourceMetadata(key: "general.architecture", reason: "is 'gpt2', not 'llama'"))
        error = #expect(throws: LlamaExportError.self) {
            try model.exportGGUF(to: path, metadata: try metadata([("tokenizer.ggml.tokens", .array(.string(["a", "b"])))]))
        }
        #expect(error == .sourceMetadata(key: "tokenizer.ggml.tokens", reason: "holds 2 tokens; the model's vocabulary is 61"))
        #expect(!FileManager.default.fileExists(atPath: path))

        error = #expect(throws: LlamaExportError.self) { try model.exportGGUF(to: "/nonexistent-fulmen/model.gguf") }
        guard case .file(.cannotWrite) = error else {
            Issue.record("expected a cannotWrite file error, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("/nonexistent-fulmen/model.gguf") == true)
    }
}
