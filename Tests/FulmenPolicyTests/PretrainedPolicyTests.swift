import FulmenLlama
import FulmenModel
import FulmenPolicy
import Foundation
import ModelTestSupport
import Testing
import Tokenizers

/// SmolLM2-135M-Instruct with LoRA through the policy interface, as trainer and runner use it: the trainer
/// publishes only adapters, the runner reads the base once and serves every adapter version on it, the runner's
/// recorded log-probabilities (compact weights for decoding) agree with the trainer's (Float32 throughout), and a
/// checkpoint restores exactly.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct PretrainedPolicyTests {
    /// The most the runner's and the trainer's log-probability of one sampled token may differ. The runner decodes
    /// with the file's own Q4_1/Q8_0 blocks and the trainer with the same values dequantised to Float32, so only
    /// the order of Float32 additions differs: across 30 blocks that moves a logit by ~1e-4 (measured below).
    static let logProbabilityTolerance: Float = 2e-3

    /// One AdamW step on `text` with a high rate, so the adapters move from zero.
    static func trainOnce(_ policy: TrainablePolicy, _ text: [Int32]) throws {
        let model = policy.model
        let optimizer = AdamW(model: model)
        model.zeroGradients()
        try model.accumulateGradients(for: try TrainingBatch.languageModeling(sequences: [text]))
        optimizer.update(model, learningRate: 5e-3)
    }

    @Test func aWholeModelFineTunedInFullIsPublishedAndRestoredWithItsBase() throws {
        let choice = try PolicyModelChoice(name: "smollm2-135m-instruct")
        let policy = try TrainablePolicy.make(choice, seed: 1, threads: 1)
        #expect(!policy.trainsAdapters && policy.model.trainableParameterCount == policy.model.parameterCount)
        let text = policy.tokenizer.encode("<|im_start|>user\nHello!<|im_end|>\n", parsingSpecialTokens: true)
        try Self.trainOnce(policy, text)
        let weights = try policy.weights()
        #expect(weights.count > 4 * policy.model.parameterCount)
        let served = try PolicyLoader(threads: 1).load(weights: weights)
        #expect(served.modelName == "smollm2-135m-instruct" && !served.isAdapter)
        let trained = try policy.model.logProbabilities(of: [text])
        #expect(try served.logProbabilities(of: [text]) == trained)
        let restored = try TrainablePolicy.make(choice, seed: 2, threads: 1)
        try restored.restore(weights: weights)
        #expect(try restored.model.logProbabilities(of: [text]) == trained)
    }

    @Test func theTrainerPublishesAdaptersThatTheRunnerServesOnOneBase() throws {
        let choice = try PolicyModelChoice(name: "smollm2-135m-instruct", lora: LoRAConfig(rank: 8, alpha: 16))
        let policy = try TrainablePolicy.make(choice, seed: 3, threads: 1)
        #expect(policy.name == "smollm2-135m-instruct" && policy.trainsAdapters)
        let tokenizer = policy.tokenizer
        let prompt = tokenizer.encode(
            "<|im_start|>user\nWhat is 12 * 34?<|im_end|>\n<|im_start|>assistant\n", parsingSpecialTokens: true)
        try Self.trainOnce(policy, prompt + tokenizer.encode("CALC: 12*34<|im_end|>", parsingSpecialTokens: true))
        let first = try policy.weights()
        print("SmolLM2 LoRA r8 weights resource: \(first.count) bytes")
        #expect(first.count < 12_000_000, "the resource should hold only the adapters, not the 540 MB base")

        let loader = PolicyLoader(threads: 1)
        let served = try loader.load(weights: first)
        #expect(served.modelName == "smollm2-135m-instruct" && served.isAdapter)
        let template = try #require(try served.chatTemplate?.get())
        #expect(try template.render([.user("hi")], addGenerationPrompt: true).hasPrefix("<|im_start|>system"))

        // The runner's log-probabilities of what it sampled, against the trainer's recomputation.
        let request = GenerationRequest(prompt: prompt, maxNewTokens: 24, sampling: SamplingParameters(temperature: 1, seed: 11))
        let sampled = try served.generate([request])[0]
        let rescored = try policy.model.logProbabilities(of: [prompt + sampled.tokens])[0]
        let trainerSide = Array(rescored[(prompt.count - 1)...])
        let gap = zip(sampled.logProbabilities, trainerSide).map { abs($0 - $1) }.max() ?? 0
        print("runner vs trainer log-probabilities of \(sampled.tokens.count) sampled tokens: max difference \(gap)")
        #expect(sampled.tokens.count == trainerSide.count && gap <= Self.logProbabilityTolerance)

        // A second version on the same base: each serves its own adapters, whatever ran last.
        try Self.trainOnce(policy, prompt + tokenizer.encode("ANSWER: 408<|im_end|>", parsingSpecialTokens: true))
        let second = try loader.load(weights: try policy.weights())
        #expect(second.sharesModel(with: served), "the base must be read once for every adapter version")
        let text = [prompt + sampled.tokens]
        let firstScores = try served.logProbabilities(of: text)
        let secondScores = try second.logProbabilities(of: text)
        #expect(firstScores != secondScores)
        #expect(try served.logProbabilities(of: text) == firstScores)
        #expect(try policy.model.logProbabilities(of: text) == secondScores)

        // The trained policy's frozen reference of the first version scores as that version, and leaves the
        // policy's own adapters in place.
        let reference = try policy.reference(weights: first)
        #expect(try reference.logProbabilities(of: text) == firstScores)
        #expect(try policy.model.logProbabilities(of: text) == secondScores)

        // A checkpoint restores the adapters exactly into a fresh policy of the same spec.
        let restored = try TrainablePolicy.make(choice, seed: 99, threads: 1)
        try restored.restore(weights: try policy.weights())
        #expect(try restored.model.logProbabilities(of: text) == secondScores)
        // Merged and exported as GGUF, the trained model runs from its own file with the base's tokenizer and
        // chat template: the same log-probabilities, up to the rounding of folding B A into the weights.
        let exported = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-export-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: exported) }
        try PolicyExport.gguf(weights: try policy.weights(), to: exported.path, format: .f32, threads: 1)
        let files = try PretrainedModelFiles.open(path: exported.path)
        #expect(try files.chatTemplate.get() == template)
        let merged = try files.model(threadCount: 1).logProbabilities(of: text)
        let mergeGap = zip(merged[0], secondScores[0]).map { abs($0 - $1) }.max() ?? 1
        print("merged GGUF export against the adapted model: max log-probability difference \(mergeGap)")
        #expect(mergeGap < 1e-3)

        // A whole GPT's weights are not this policy's.
        let gpt = try TrainablePolicy.make(try PolicyModelChoice(name: "tiny"), seed: 1, threads: 1)
        let error = try #require(throws: PolicyError.self) { try restored.restore(weights: try gpt.weights()) }
        #expect("\(error)".contains("smollm2-135m-instruct"), "\(error)")
    }
}
