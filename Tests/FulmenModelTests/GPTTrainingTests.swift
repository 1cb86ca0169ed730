import Testing

@testable import FulmenModel

/// Whole-model training: parameter counts, gradients, optimisation, batching.
@Suite struct GPTTrainingTests {
    static let testConfig = GPTConfig(
        vocabularySize: 256, contextLength: 64, embeddingSize: 32, layerCount: 2, headCount: 4)

    @Test func test_presets_shouldHaveTheReferenceParameterCounts() throws {
        #expect(GPTConfig.tiny.parameterCount == 842_496)
        #expect(GPTConfig.small.parameterCount == 4_870_144)
        #expect(try GPT(config: .tiny).parameterCount == 842_496)
        #expect(try GPT(config: .small).parameterCount == 4_870_144)
    }

    @Test func test_config_shouldRejectHeadsThatDoNotDivideTheEmbedding() {
        #expect(throws: ModelError.self) {
            try GPT(config: GPTConfig(contextLength: 8, embeddingSize: 10, layerCount: 1, headCount: 3))
        }
    }

    @Test func test_modelGradient_shouldMatchFiniteDifferences() throws {
        let config = GPTConfig(vocabularySize: 16, contextLength: 8, embeddingSize: 8, layerCount: 2, headCount: 2)
        let model = try GPT(config: config, seed: 3)
        var random = SeededRandom(seed: 4)
        for i in 0..<model.parameterCount { model.parameters.base[i] = 0.4 * random.nextGaussian() }
        let batch = try TrainingBatch(
            sequences: [[1, 5, 2, 9, 9, 3, 14, 0], [7, 7, 1, 4]],
            targetWeights: [[0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.4], [0, -0.3, 0.5]])
        model.zeroGradients()
        try model.accumulateGradients(for: batch)
        let analytic = model.gradients.copy(count: model.parameterCount)
        var worst = 0.0
        for entry in model.layout.entries {
            for k in GradientCheck.sample(entry.count, count: 6) {
                let i = entry.offset + k
                let saved = model.parameters.base[i]
                let epsilon: Float = 1e-2
                model.parameters.base[i] = saved + epsilon
                let plus = Double(try model.loss(for: batch))
                model.parameters.base[i] = saved - epsilon
                let minus = Double(try model.loss(for: batch))
                model.parameters.base[i] = saved
                let numeric = (plus - minus) / Double(2 * epsilon)
                let allowance = 2e-4 + 2e-2 * max(abs(numeric), abs(Double(analytic[i])))
                let ratio = abs(numeric - Double(analytic[i])) / allowance
                #expect(ratio <= 1, "\(entry.name)[\(k)]: numeric \(numeric), analytic \(analytic[i])")
                worst = max(worst, ratio)
            }
        }
        #expect(worst <= 1)
    }

    @Test func test_tinyModel_shouldOverfitASmallText() throws {
        let model = try GPT(config: Self.testConfig, seed: 1)
        let optimizer = AdamW(model: model, settings: AdamW.Settings(weightDecay: 0))
        let text = Tokenizer.encode("Fulmen trains agents from their own experience, on two cores.")
        let batch = try TrainingBatch.languageModeling(sequences: [text])
        let schedule = LearningRateSchedule(peak: 1e-2, minimum: 1e-3, warmupSteps: 10, totalSteps: 250)
        var first: Float = 0
        var last: Float = 0
        for step in 0..<250 {
            model.zeroGradients()
            last = try model.accumulateGradients(for: batch)
            if step == 0 { first = last }
            model.clipGradientNorm(to: 1)
            optimizer.update(model, learningRate: schedule.rate(at: step))
        }
        let final = try model.loss(for: batch)
        #expect(first > 4, "starts near log(256) = 5.5, got \(first)")
        #expect(final < 0.02, "overfits to near-zero loss, got \(final) (last step \(last))")
        let greedy = try model.generate([
            GenerationRequest(
                prompt: Array(text.prefix(8)), maxNewTokens: text.count - 8,
                sampling: SamplingParameters(temperature: 0))
        ])
        #expect(greedy[0].tokens == Array(text.dropFirst(8)), "greedy decoding recites the text")
    }

    @Test func test_gradientAccumulation_shouldEqualOneLargeBatch() throws {
        let model = try GPT(config: Self.testConfig, seed: 2)
        let sequences: [[Int32]] = [
            Tokenizer.encode("abcdefgh"), Tokenizer.encode("the quick brown fox"), Tokenizer.encode("xyz"),
        ]
        let whole = try TrainingBatch.languageModeling(sequences: sequences)
        model.zeroGradients()
        let wholeLoss = try model.accumulateGradients(for: whole)
        let expected = model.gradients.copy(count: model.parameterCount)
        model.zeroGradients()
        let counts = sequences.map { Float($0.count - 1) }
        let total = counts.reduce(0, +)
        var accumulatedLoss: Float = 0
        for (i, sequence) in sequences.enumerated() {
            let part = try TrainingBatch.languageModeling(sequences: [sequence]).scaled(by: counts[i] / total)
            accumulatedLoss += try model.accumulateGradients(for: part)
        }
        let accumulated = model.gradients.copy(count: model.parameterCount)
        #expect(abs(wholeLoss - accumulatedLoss) < 1e-5)
        let scale = expected.map(abs).max()!
        let difference = zip(expected, accumulated).map { abs($0 - $1) }.max()!
        #expect(difference <= 1e-5 * scale, "max difference \(difference) of gradients up to \(scale)")
    }

    @Test func test_threads_shouldGiveTheSameGradientsAsOneThread() throws {
        let sequences: [[Int32]] = (0..<5).map { i in Tokenizer.encode(String(repeating: "ab\(i)c", count: 3 + i)) }
        let batch = try TrainingBatch.languageModeling(sequences: sequences, promptLengths: [2, 3, 4, 5, 6])
        let one = try GPT(config: Self.testConfig, seed: 5, threadCount: 1)
        let two = try GPT(config: Self.testConfig, seed: 5, threadCount: 2)
        let lossOne = try one.accumulateGradients(for: batch)
        let lossTwo = try two.accumulateGradients(for: batch)
        #expect(abs(lossOne - lossTwo) < 1e-5)
        let a = one.gradients.copy(count: one.parameterCount)
        let b = two.gradients.copy(count: two.parameterCount)
        let scale = a.map(abs).max()!
        #expect(zip(a, b).map { abs($0 - $1) }.max()! <= 1e-5 * scale)
    }

    @Test func test_maskedPositions_shouldNotAffectLossOrGradients() throws {
        let model = try GPT(config: Self.testConfig, seed: 6)
        let prompt = Tokenizer.encode("prompt: ")
        let a = try TrainingBatch.languageModeling(
            sequences: [prompt + Tokenizer.encode("yes")], promptLengths: [prompt.count])
        let b = try TrainingBatch.languageModeling(
            sequences: [prompt + Tokenizer.encode("yes")], promptLengths: [prompt.count + 1])
        #expect(try model.loss(for: a) != model.loss(for: b), "the mask changes which tokens count")
        let padded = try TrainingBatch.languageModeling(
            sequences: [prompt + Tokenizer.encode("yes"), Tokenizer.encode("a much longer second sequence")],
            promptLengths: [prompt.count, 1000])
        #expect(
            abs(try model.loss(for: a) - model.loss(for: padded)) < 1e-6, "padding and masked sequences add nothing")
    }

    @Test func test_adamW_shouldFollowPyTorchsUpdateRule() throws {
        let config = GPTConfig(vocabularySize: 4, contextLength: 2, embeddingSize: 2, layerCount: 1, headCount: 1)
        let model = try GPT(config: config)
        let optimizer = AdamW(model: model)
        let wte = model.layout.tokenEmbedding
        let bias = model.layout.blocks[0].qkvBias
        model.parameters.base[wte] = 0.5
        model.parameters.base[bias] = 0.5
        for step in 1...2 {
            model.zeroGradients()
            model.gradients.base[wte] = 0.2
            model.gradients.base[bias] = 0.2
            optimizer.update(model, learningRate: 0.1)
            #expect(optimizer.stepCount == step)
        }
        // torch.optim.AdamW(lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1), gradient 0.2 twice from 0.5:
        // each step multiplies by (1 - 0.01) and then subtracts 0.1 (the bias-corrected m/√v is exactly 1).
        let decayed = (0.5 * 0.99 - 0.1) * 0.99 - 0.1
        #expect(abs(Double(model.parameters.base[wte]) - decayed) < 1e-6)
        #expect(abs(Double(model.parameters.base[bias]) - 0.3) < 1e-6, "no weight decay on biases")
    }

    @Test func test_learningRateSchedule_shouldWarmUpThenDecay() {
        let schedule = LearningRateSchedule(peak: 1, minimum: 0.1, warmupSteps: 4, totalSteps: 14)
        #expect(schedule.rate(at: 0) == 0.25)
        #expect(schedule.rate(at: 3) == 1)
        #expect(abs(schedule.rate(at: 9) - 0.55) < 1e-6)
        #expect(schedule.rate(at: 14) == 0.1)
        #expect(schedule.rate(at: 100) == 0.1)
    }

    @Test func test_clipGradientNorm_shouldScaleToTheMaximum() throws {
        let model = try GPT(config: Self.testConfig)
        model.zeroGradients()
        model.gradients.base[0] = 3
        model.gradients.base[1] = 4
        #expect(model.clipGradientNorm(to: 1) == 5)
        #expect(abs(model.gradientNorm - 1) < 1e-5)
    }

    @Test func test_batch_shouldRejectSequencesLongerThanTheContext() throws {
        let model = try GPT(config: Self.testConfig)
        let batch = try TrainingBatch.languageModeling(sequences: [[Int32](repeating: 1, count: 66)])
        #expect(throws: ModelError.self) { try model.accumulateGradients(for: batch) }
    }
}
