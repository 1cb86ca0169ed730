import FulmenModel
import Testing

@testable import FulmenLlama

/// Adapters on a whole model: unchanged outputs at initialisation, gradients, what the optimiser touches,
/// learning, merging and generation.
@Suite struct LoRAModelTests {
    static let everyTarget = LoRAConfig(rank: 4, alpha: 8, targets: Set(LoRATarget.allCases))
    static let sequence: [Int32] = [3, 9, 27, 20, 1, 60, 14, 14, 2, 33]

    /// A tiny seeded model with adapters on every target whose B is random (as if trained), so they matter.
    static func adaptedModel(seed: UInt64, lora: LoRAConfig = everyTarget) throws -> Llama {
        let model = try LlamaTestSupport.model(seed: seed)
        let adapters = try model.attachAdapters(lora, seed: seed &+ 1)
        let values = LlamaTestSupport.random(adapters.parameterCount, seed: seed &+ 2, scale: 0.3)
        for site in adapters.layout.sites {
            for i in 0..<(site.outputSize * lora.rank) { adapters.parameters.base[site.b + i] = values[site.b + i] }
        }
        return model
    }

    /// With B = 0 (PEFT's initialisation) the adapted model computes exactly what the base does.
    @Test func test_freshAdapters_shouldLeaveTheOutputsUnchanged() throws {
        let model = try LlamaTestSupport.model(seed: 41)
        let request = GenerationRequest(prompt: [5, 6, 7], maxNewTokens: 6, sampling: SamplingParameters(temperature: 0))
        let (logits, logProbabilities) = (try model.logits(for: Self.sequence), try model.logProbabilities(of: [Self.sequence]))
        let generation = try model.generate([request])
        let adapters = try model.attachAdapters(LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, targets: Set(LoRATarget.allCases)), seed: 1)
        #expect(adapters.matrices(layer: 0, target: .query)!.b.scalars.allSatisfy { $0 == 0 })
        let a = adapters.matrices(layer: 1, target: .down)!.a
        let bound = 1 / Float(model.config.feedForwardSize).squareRoot()
        #expect(a.shape == [4, model.config.feedForwardSize] && a.scalars.allSatisfy { abs($0) <= bound })
        #expect(a.scalars.contains { abs($0) > bound / 2 }, "A should be Kaiming-uniform in ±1/√in")
        #expect(try model.logits(for: Self.sequence) == logits)
        #expect(try model.logProbabilities(of: [Self.sequence]) == logProbabilities)
        #expect(try model.generate([request]) == generation)
    }

    /// Central differences (step 1e-2) of the loss against the analytic gradient for 4 values of every adapter's A
    /// and B (dropout 0, so the loss is deterministic); tolerance ≤ 5e-4 + 2e-2·|value|. The base gets no gradient.
    @Test func test_adapterGradients_shouldMatchFiniteDifferences() throws {
        let model = try Self.adaptedModel(seed: 42)
        let adapters = try #require(model.adapters)
        model.zeroGradients()
        try model.accumulateGradients(for: LlamaModelTests.batch)
        let analytic = adapters.gradients.copy(count: adapters.parameterCount)
        var worst = 0.0
        for site in adapters.layout.sites {
            let spans = [(site.a, model.adapters!.config.rank * site.inputSize), (site.b, site.outputSize * adapters.config.rank)]
            for (offset, count) in spans {
                for k in LlamaTestSupport.sample(count, count: 4) {
                    let i = offset + k
                    let saved = adapters.parameters.base[i]
                    adapters.parameters.base[i] = saved + 1e-2
                    let plus = Double(try model.loss(for: LlamaModelTests.batch))
                    adapters.parameters.base[i] = saved - 1e-2
                    let minus = Double(try model.loss(for: LlamaModelTests.batch))
                    adapters.parameters.base[i] = saved
                    let numeric = (plus - minus) / 2e-2
                    let ratio = abs(numeric - Double(analytic[i])) / (5e-4 + 2e-2 * max(abs(numeric), abs(Double(analytic[i]))))
                    #expect(ratio <= 1, "layer \(site.layer) \(site.target)[\(i - offset)]: numeric \(numeric), analytic \(analytic[i])")
                    worst = max(worst, ratio)
                }
            }
        }
        print("LoRA whole-model gradient check: worst error / allowance \(worst)")
        #expect(model.gradient(named: "blk.0.attn_q.weight")!.scalars.allSatisfy { $0 == 0 })
        #expect(model.gradient(named: "token_embd.weight")!.scalars.allSatisfy { $0 == 0 })
    }

    /// AdamW (with weight decay) through the family-independent interface moves the adapters and leaves every base
    /// weight bitwise unchanged.
    @Test func test_adamWStep_shouldChangeOnlyTheAdapters() throws {
        let model = try Self.adaptedModel(seed: 43, lora: LoRAConfig(rank: 2, alpha: 4, dropout: 0.1))
        let adapters = try #require(model.adapters)
        let lm: any LanguageModel = model
        #expect(lm.trainableParameterCount == adapters.parameterCount)
        #expect(lm.decayedParameterRanges == [0..<adapters.parameterCount])
        let base = model.checkpoint()
        let before = adapters.parameters.copy(count: adapters.parameterCount)
        let optimizer = AdamW(model: lm, settings: AdamW.Settings(weightDecay: 0.1))
        lm.zeroGradients()
        try lm.accumulateGradients(for: LlamaModelTests.batch)
        #expect(lm.gradientNorm > 0)
        optimizer.update(lm, learningRate: 1e-2)
        #expect(model.checkpoint() == base, "the frozen base changed")
        let after = adapters.parameters.copy(count: adapters.parameterCount)
        let changed = zip(before, after).filter { $0 != $1 }.count
        #expect(changed == adapters.parameterCount, "\(changed) of \(adapters.parameterCount) adapter values changed")
    }

    /// A LoRA fine-tune (rank 8 on every target, AdamW) of a small seeded model on one repeated sequence.
    @Test func test_loraFineTune_shouldLowerTheLoss() throws {
        let model = try LlamaTestSupport.model(seed: 44, scale: 0.3)
        try model.attachAdapters(LoRAConfig(rank: 8, alpha: 16, dropout: 0.05, targets: Set(LoRATarget.allCases)), seed: 44)
        let lm: any LanguageModel = model
        let text: [Int32] = (0..<40).map { Int32(($0 * 7 + 3) % 13 + 20) }
        let batch = try TrainingBatch.languageModeling(sequences: [text])
        let optimizer = AdamW(model: lm, settings: AdamW.Settings(weightDecay: 0.01))
        let initial = try lm.loss(for: batch)
        for _ in 0..<150 {
            lm.zeroGradients()
            try lm.accumulateGradients(for: batch)
            lm.clipGradientNorm(to: 1)
            optimizer.update(lm, learningRate: 1e-2)
        }
        let final = try lm.loss(for: batch)
        print("LoRA fine-tune on a repeated sequence: loss \(initial) -> \(final)")
        #expect(final < 0.3 * initial)
    }

    /// Merging folds the adapters into the base: the merged model's logits equal the adapted model's within 1e-4 of
    /// the logits' range, and so do greedy continuations (cached, batched generation with the low-rank products).
    @Test func test_merge_shouldGiveTheAdaptedModelsOutputs() throws {
        let model = try Self.adaptedModel(seed: 45)
        let adapted = try model.logits(for: Self.sequence)
        let requests = [
            GenerationRequest(prompt: [5, 6, 7], maxNewTokens: 8, sampling: SamplingParameters(temperature: 0)),
            GenerationRequest(prompt: Array(Self.sequence.prefix(6)), maxNewTokens: 8, sampling: SamplingParameters(temperature: 0)),
        ]
        let adaptedGenerations = try model.generate(requests)
        let base = try LlamaTestSupport.model(seed: 45).logits(for: Self.sequence)
        try model.mergeAdapters()
        #expect(model.adapters == nil)
        let merged = try model.logits(for: Self.sequence)
        let range = adapted.scalars.map(abs).max()!
        let difference = zip(adapted.scalars, merged.scalars).map { abs($0 - $1) }.max()!
        let moved = zip(adapted.scalars, base.scalars).map { abs($0 - $1) }.max()!
        print("LoRA merge: largest logit difference \(difference) (range \(range)); the adapters moved logits by \(moved)")
        #expect(difference <= 1e-4 * range)
        #expect(moved > 1e-2 * range, "the adapters should matter")
        let mergedGenerations = try model.generate(requests)
        #expect(mergedGenerations.map(\.tokens) == adaptedGenerations.map(\.tokens))
        #expect(throws: LoRAError.noAdapters) { try model.mergeAdapters() }
    }

    /// Generation with adapters records the log-probabilities that scoring the same tokens gives.
    @Test func test_generation_shouldMatchScoringWithAdapters() throws {
        let model = try Self.adaptedModel(seed: 46)
        let prompt: [Int32] = [8, 1, 30]
        let generation = try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: 10, sampling: SamplingParameters(temperature: 1, seed: 46))
        ])[0]
        let scored = try model.logProbabilities(of: [prompt + generation.tokens])[0].suffix(generation.tokens.count)
        let difference = zip(scored, generation.logProbabilities).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "largest log-probability difference \(difference)")
    }

    /// Dropout applies to training passes only, draws a new mask each pass, and the same seeds give the same
    /// masks (so the same gradients).
    @Test func test_dropout_shouldBeSeededAndOnlyInTraining() throws {
        let lora = LoRAConfig(rank: 4, alpha: 8, dropout: 0.3, targets: Set(LoRATarget.allCases))
        let one = try Self.adaptedModel(seed: 48, lora: lora)
        let two = try Self.adaptedModel(seed: 48, lora: lora)
        let batch = LlamaModelTests.batch
        let evaluation = try one.loss(for: batch)
        #expect(try one.loss(for: batch) == evaluation)
        one.zeroGradients()
        two.zeroGradients()
        let first = try one.accumulateGradients(for: batch)
        #expect(try two.accumulateGradients(for: batch) == first)
        #expect(one.adapters!.gradients.copy(count: one.adapters!.parameterCount)
            == two.adapters!.gradients.copy(count: two.adapters!.parameterCount))
        let second = try one.accumulateGradients(for: batch)
        print("LoRA dropout 0.3: evaluation loss \(evaluation), training passes \(first), \(second)")
        #expect(first != evaluation && second != first)
    }

    @Test func test_attachTwice_shouldBeRefused() throws {
        let model = try LlamaTestSupport.model(seed: 47)
        try model.attachAdapters(LoRAConfig(), seed: 1)
        #expect(throws: LoRAError.adaptersAlreadyAttached) { try model.attachAdapters(LoRAConfig(), seed: 2) }
        #expect(model.detachAdapters() != nil)
        #expect(model.adapters == nil)
        #expect((model as any LanguageModel).trainableParameterCount == model.parameterCount)
        #expect(throws: LoRAError.self) { try model.attachAdapters(LoRAConfig(rank: -1), seed: 1) }
    }
}
