import Foundation
import Testing

@testable import FulmenModel

/// Safetensors checkpoints: round trip, the Python ecosystem's reading of them, and errors on damaged files.
@Suite struct CheckpointTests {
    static let config = GPTConfig(
        vocabularySize: 256, contextLength: 16, embeddingSize: 16, layerCount: 2, headCount: 2)

    @Test func test_checkpoint_shouldRoundTripExactly() throws {
        let model = try GPT(config: Self.config, seed: 21)
        let path = PythonReference.temporaryPath("round-trip.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.writeCheckpoint(toFile: path)
        let loaded = try GPT(checkpointFile: path)
        #expect(loaded.config == model.config)
        for name in model.tensorNames { #expect(loaded.tensor(named: name) == model.tensor(named: name), "\(name)") }
        let tokens = Tokenizer.encode("round trip")
        #expect(try loaded.logits(for: tokens) == model.logits(for: tokens))
    }

    @Test func test_checkpoint_shouldReadBackEqualInPythonSafetensors() throws {
        let model = try GPT(config: Self.config, seed: 22)
        let path = PythonReference.temporaryPath("python.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.writeCheckpoint(toFile: path)
        let (status, output) = try PythonReference.run(["tensors", path])
        try #require(status == 0, "gpt_reference.py tensors failed (are numpy and safetensors installed?):\n\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let metadata = try #require(json["metadata"] as? [String: String])
        #expect(metadata["d_model"] == "16")
        #expect(metadata["n_layer"] == "2")
        #expect(metadata["n_head"] == "2")
        #expect(metadata["ctx"] == "16")
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        #expect(Set(tensors.keys) == Set(model.tensorNames))
        for name in model.tensorNames {
            let tensor = model.tensor(named: name)!
            let info = try #require(tensors[name])
            #expect(info["dtype"] as? String == "float32")
            #expect(info["shape"] as? [Int] == tensor.shape, "\(name)")
            let crc = tensor.scalars.withUnsafeBytes { CRC32.checksum($0) }
            #expect((info["crc32"] as? NSNumber)?.uint32Value == crc, "\(name): bytes differ")
        }
    }

    @Test func test_logits_shouldMatchTheNumpyReference() throws {
        let model = try GPT(
            config: GPTConfig(vocabularySize: 256, contextLength: 32, embeddingSize: 32, layerCount: 2, headCount: 4),
            seed: 23)
        var random = SeededRandom(seed: 24)
        for i in 0..<model.parameterCount { model.parameters.base[i] += 0.1 * random.nextGaussian() }
        let checkpoint = PythonReference.temporaryPath("parity.safetensors")
        let casePath = PythonReference.temporaryPath("parity-case.safetensors")
        defer {
            try? FileManager.default.removeItem(atPath: checkpoint)
            try? FileManager.default.removeItem(atPath: casePath)
        }
        try model.writeCheckpoint(toFile: checkpoint)
        let tokens = Tokenizer.encode("Parity with numpy: 0123456789 ok")
        let logits = try model.logits(for: tokens)
        let tokenValues = tokens.map(Float.init)
        let image = tokenValues.withUnsafeBufferPointer { t in
            logits.scalars.withUnsafeBufferPointer { l in
                Safetensors.encode(
                    tensors: [("tokens", [tokens.count], t), ("logits", logits.shape, l)], metadata: [:])
            }
        }
        try Data(image).write(to: URL(fileURLWithPath: casePath))
        let (status, output) = try PythonReference.run(["logits", checkpoint, casePath, "--tolerance", "1e-4"])
        print(output)
        #expect(status == 0, "logits differ from the reference beyond 1e-4:\n\(output)")
        #expect(output.contains("numpy: max_abs_diff="))
        #expect(output.contains("torch: "), "the torch comparison ran or printed why it was skipped")
    }

    @Test func test_truncatedFiles_shouldNameWhatIsMissing() throws {
        let bytes = try GPT(config: Self.config, seed: 25).checkpoint()
        let headerSize = Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let cases: [(Int, String)] = [
            (5, "fewer than the 8-byte header size"),
            (8 + headerSize / 2, "header size field says"),
            (bytes.count - 100, "ends at byte"),
        ]
        for (length, expected) in cases {
            let error = #expect(throws: ModelError.self) { try GPT(checkpoint: Array(bytes.prefix(length))) }
            #expect(error?.message.contains(expected) == true, "\(length) bytes: \(error?.message ?? "no error")")
            #expect(error?.message.contains("truncated") == true)
        }
    }

    @Test func test_corruptedFiles_shouldSayWhatIsWrong() throws {
        let bytes = try GPT(config: Self.config, seed: 26).checkpoint()
        let headerSize = Int(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var badJSON = bytes
        badJSON[8] = UInt8(ascii: "[")
        badJSON[9] = UInt8(ascii: "x")
        var badData = bytes
        badData[8 + headerSize + 1234] ^= 0x40
        var badDtype = bytes
        let header = String(decoding: bytes[8..<(8 + headerSize)], as: UTF8.self)
        let replaced = Array(header.replacingOccurrences(of: "\"F32\"", with: "\"F16\"").utf8)
        badDtype.replaceSubrange(8..<(8 + headerSize), with: replaced)
        let cases: [([UInt8], String)] = [
            (badJSON, "not valid JSON"),
            (badData, "checksum"),
            (badDtype, "dtype F16"),
        ]
        for (image, expected) in cases {
            let error = #expect(throws: ModelError.self) { try GPT(checkpoint: image) }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
        }
        let missing = #expect(throws: ModelError.self) { try GPT(checkpointFile: "/nonexistent/model.safetensors") }
        #expect(missing?.message.contains("/nonexistent/model.safetensors") == true)
    }

    @Test func test_checkpointOfAnotherShape_shouldBeRejectedByName() throws {
        let model = try GPT(config: Self.config, seed: 27)
        let tensors = model.layout.entries.filter { $0.name != "ln_f.bias" }.map {
            (
                name: $0.name, shape: $0.shape,
                values: UnsafeBufferPointer(start: model.parameters.base + $0.offset, count: $0.count)
            )
        }
        let image = Safetensors.encode(
            tensors: tensors,
            metadata: ["vocab_size": "256", "ctx": "16", "d_model": "16", "n_layer": "2", "n_head": "2"])
        let error = #expect(throws: ModelError.self) { try GPT(checkpoint: image) }
        #expect(error?.message == "checkpoint is missing tensor 'ln_f.bias'")
    }
}

@Suite("Model: optimizer state")
struct OptimizerStateTests {
    static let config = GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2)

    static func step(_ model: GPT, _ optimizer: AdamW) throws {
        let batch = try TrainingBatch.languageModeling(sequences: [[1, 2, 3, 4, 5, 6]])
        model.zeroGradients()
        try model.accumulateGradients(for: batch)
        optimizer.update(model, learningRate: 1e-2)
    }

    @Test func trainingResumedFromModelAndOptimizerStateCarriesOnExactly() throws {
        let model = try GPT(config: Self.config, seed: 4)
        let optimizer = AdamW(model: model)
        for _ in 0..<3 { try Self.step(model, optimizer) }
        let resumedModel = try GPT(checkpoint: model.checkpoint())
        let resumedOptimizer = AdamW(model: resumedModel)
        try resumedOptimizer.restore(state: optimizer.state())
        #expect(resumedOptimizer.stepCount == 3)
        try Self.step(model, optimizer)
        try Self.step(resumedModel, resumedOptimizer)
        #expect(resumedModel.checkpoint() == model.checkpoint(), "the resumed step differs from the uninterrupted one")

        // Without the state, AdamW starts afresh and the step differs: the test can tell.
        let fresh = try GPT(checkpoint: resumedModel.checkpoint())
        let freshOptimizer = AdamW(model: fresh)
        try Self.step(fresh, freshOptimizer)
        try Self.step(model, optimizer)
        #expect(fresh.checkpoint() != model.checkpoint())
    }

    @Test func aStateForAnotherModelOrNoStateAtAllIsRefused() throws {
        let small = AdamW(model: try GPT(config: Self.config))
        let other = try GPT(config: GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 32, layerCount: 1, headCount: 2))
        #expect(throws: ModelError.self) { try AdamW(model: other).restore(state: small.state()) }
        do {
            try AdamW(model: other).restore(state: small.state())
        } catch {
            #expect(error.message.contains("tensor 'm' has shape"), "\(error)")
        }
        do {
            try small.restore(state: try GPT(config: Self.config).checkpoint())
            Issue.record("a model checkpoint was taken for an optimizer state")
        } catch {
            #expect(error.message == "optimizer state: format is 'fulmen-gpt', expected 'fulmen-adamw'")
        }
    }
}
