import Foundation
import FulmenModel
import ModelFiles
import ModelTestSupport
import Testing

@testable import FulmenLlama

/// LoRA on SmolLM2-135M-Instruct from the bundled GGUF: fresh adapters leave generation unchanged and cost little
/// per decoded token, one AdamW step moves only the adapters, merging reproduces the adapted logits, and the
/// PEFT export is a few megabytes. Prints the measured figures.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct LoRABundledModelTests {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    @Test func test_smolLM2_shouldTrainMergeAndExportAdapters() throws {
        let model = try Llama(gguf: try RealModel.file(), threadCount: 2)
        let prompt: [Int32] = [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365]
        let request = GenerationRequest(prompt: prompt, maxNewTokens: 16, sampling: SamplingParameters(temperature: 0))
        let clock = ContinuousClock()
        _ = try model.generate([request])  // warm the workspaces
        var start = clock.now
        let base = try model.generate([request])[0]
        let baseTime = Self.seconds(clock.now - start)

        let lora = LoRAConfig(rank: 8, alpha: 16, dropout: 0.05, targets: Set(LoRATarget.allCases))
        let adapters = try model.attachAdapters(lora, seed: 7)
        _ = try model.generate([request])
        start = clock.now
        let adapted = try model.generate([request])[0]
        let adaptedTime = Self.seconds(clock.now - start)
        #expect(adapted.tokens == base.tokens, "B = 0 must leave generation unchanged")
        print(
            "SmolLM2 LoRA r8 on all 7 targets: \(adapters.parameterCount) adapter values; greedy decode of 16 tokens "
                + "\(String(format: "%.1f", baseTime * 1000 / 16)) ms/token base, "
                + "\(String(format: "%.1f", adaptedTime * 1000 / 16)) ms/token with adapters")
        // r · (in + out) per target: q, k, v, o, then gate, up, down.
        #expect(adapters.parameterCount == 30 * 8 * ((576 + 576) + 2 * (576 + 192) + (576 + 576) + 3 * (576 + 1536)))

        let lm: any LanguageModel = model
        let baseQuery = model.tensor(named: "blk.3.attn_q.weight")!
        let baseDown = model.tensor(named: "blk.29.ffn_down.weight")!
        let text = prompt + base.tokens + prompt
        let batch = try TrainingBatch.languageModeling(sequences: [text])
        let optimizer = AdamW(model: lm, settings: AdamW.Settings(weightDecay: 0.01))
        start = clock.now
        lm.zeroGradients()
        let loss = try lm.accumulateGradients(for: batch)
        optimizer.update(lm, learningRate: 1e-3)
        let stepTime = Self.seconds(clock.now - start)
        print("SmolLM2 LoRA training step on \(text.count) tokens: \(String(format: "%.2f", stepTime)) s, loss \(loss)")
        #expect(model.tensor(named: "blk.3.attn_q.weight") == baseQuery)
        #expect(model.tensor(named: "blk.29.ffn_down.weight") == baseDown)
        #expect(adapters.matrices(layer: 3, target: .query)!.b.scalars.contains { $0 != 0 })

        let files = try model.exportAdapters(baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct")
        print("SmolLM2 LoRA export: adapter_model.safetensors \(files.weights.count) bytes, adapter_config.json \(files.config.count) bytes")
        #expect(files.weights.count < 4 * adapters.parameterCount + 65_536)

        let sequence = Array(text.prefix(12))
        let adaptedLogits = try model.logits(for: sequence).scalars
        try model.mergeAdapters()
        let mergedLogits = try model.logits(for: sequence).scalars
        let range = adaptedLogits.max()! - adaptedLogits.min()!
        let difference = zip(adaptedLogits, mergedLogits).map { abs($0 - $1) }.max()!
        print("SmolLM2 LoRA merge: largest logit difference \(difference), logit range \(range)")
        #expect(difference <= 1e-4 * range)
    }
}
