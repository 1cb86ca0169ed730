import FulmenLlama
import FulmenModel
import FulmenPolicy
import Foundation
import Testing
import Tokenizers

/// The GPT through the policy interface, and what is refused by name: unknown models, missing files, damaged or
/// foreign weights, LoRA on a model trained from scratch.
struct PolicyWeightsTests {
    @Test func aGPTPolicyServesWhatItTrainedThroughItsWeightsResource() throws {
        let choice = try PolicyModelChoice(name: "tiny")
        let policy = try TrainablePolicy.make(choice, seed: 5, threads: 1)
        #expect(policy.name == "tiny" && !policy.trainsAdapters && policy.tokenizer.vocabularySize == 256)
        let served = try PolicyLoader(threads: 1).load(weights: try policy.weights())
        #expect(served.modelName == PolicyLoader.gptModelName && !served.isAdapter && served.chatTemplate == nil)
        let request = GenerationRequest(
            prompt: ByteTokenizer().encode("Q:12+5\n", parsingSpecialTokens: false), maxNewTokens: 8,
            sampling: SamplingParameters(temperature: 0))
        #expect(try served.generate([request]) == (try policy.model.generate([request])))
    }

    /// A tiny Llama that transformers saved (FulmenLlamaTests' fixture), as a spec's `path` names a directory.
    static let huggingFaceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FulmenLlamaTests/Fixtures/hf-tiny-f32").path

    @Test func aHuggingFaceDirectoryTrainsAdaptersThatTheRunnerServes() throws {
        let choice = try PolicyModelChoice(name: Self.huggingFaceDirectory, lora: LoRAConfig(rank: 2, alpha: 4))
        let policy = try TrainablePolicy.make(choice, seed: 4, threads: 1)
        let tokenizer = policy.tokenizer
        let text = tokenizer.encode("<|im_start|>user\nhello<|im_end|>\n", parsingSpecialTokens: true)
        let optimizer = AdamW(model: policy.model)
        try policy.model.accumulateGradients(for: try TrainingBatch.languageModeling(sequences: [text]))
        optimizer.update(policy.model, learningRate: 1e-2)
        let served = try PolicyLoader(threads: 1).load(weights: try policy.weights())
        #expect(served.modelName == Self.huggingFaceDirectory && served.isAdapter)
        #expect(try served.chatTemplate?.get().render([.user("hi")], addGenerationPrompt: true).hasPrefix("<|im_start|>") == true)
        #expect(try served.logProbabilities(of: [text]) == (try policy.model.logProbabilities(of: [text])))

        // Exported in PEFT's layout, the adapters load onto the model read afresh and score as trained.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-peft-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try PolicyExport.peft(weights: try policy.weights(), to: directory)
        let fresh = try Llama(huggingFaceDirectory: URL(fileURLWithPath: Self.huggingFaceDirectory))
        try fresh.loadAdapters(from: directory)
        #expect(try fresh.logProbabilities(of: [text]) == (try policy.model.logProbabilities(of: [text])))
        let gpt = try TrainablePolicy.make(try PolicyModelChoice(name: "tiny"), seed: 1, threads: 1)
        #expect(throws: PolicyError.invalidWeights(reason: "they hold a whole GPT, not LoRA adapters")) {
            try PolicyExport.peft(weights: try gpt.weights(), to: directory)
        }
        let error = try #require(throws: PolicyError.self) {
            try PolicyExport.gguf(weights: try policy.weights(), to: directory.path + "/x.gguf", format: .f32, threads: 1)
        }
        #expect("\(error)".contains("GGUF export carries a GGUF base's tokenizer"), "\(error)")
    }

    @Test func unknownModelsMissingFilesAndLoRAOnAGPTAreRefusedByName() throws {
        #expect(throws: PolicyError.unknownModel("gpt-7", known: PolicyModels.names)) {
            try PolicyModelChoice(name: "gpt-7")
        }
        let missing = try PolicyModelChoice(name: "/nonexistent/model.gguf")
        #expect(throws: PolicyError.modelNotFound(.path("/nonexistent/model.gguf"), reason: "no such file or directory on this host")) {
            try TrainablePolicy.make(missing, seed: 1, threads: 1)
        }
        let onGPT = try PolicyModelChoice(name: "tiny", lora: LoRAConfig(rank: 4, alpha: 8))
        let error = try #require(throws: PolicyError.self) { try TrainablePolicy.make(onGPT, seed: 1, threads: 1) }
        #expect("\(error)".contains("LoRA needs a pretrained model"), "\(error)")
    }

    @Test func damagedOrForeignWeightsAreRefused() throws {
        let policy = try TrainablePolicy.make(try PolicyModelChoice(name: "tiny"), seed: 1, threads: 1)
        let loader = PolicyLoader(threads: 1)
        let truncated = Array(try policy.weights().prefix(100))
        #expect(throws: PolicyError.self) { try loader.load(weights: truncated) }
        let small = try TrainablePolicy.make(try PolicyModelChoice(name: "small"), seed: 1, threads: 1)
        let error = try #require(throws: PolicyError.self) { try policy.restore(weights: try small.weights()) }
        #expect("\(error)".contains("policy weights do not load"), "\(error)")
    }
}
