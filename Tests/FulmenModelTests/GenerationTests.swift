import Testing

@testable import FulmenModel

/// Sampling with the key/value cache, against full recomputation and against itself.
@Suite struct GenerationTests {
    static let config = GPTConfig(
        vocabularySize: 256, contextLength: 48, embeddingSize: 32, layerCount: 2, headCount: 2)

    /// A model with larger-than-initial weights, so that its distributions are far from uniform.
    static func model(threadCount: Int = 1) throws -> GPT {
        let model = try GPT(config: config, seed: 11, threadCount: threadCount)
        var random = SeededRandom(seed: 12)
        for i in 0..<model.parameterCount { model.parameters.base[i] += 0.15 * random.nextGaussian() }
        return model
    }

    @Test func test_temperatureZero_shouldBeDeterministicAndGreedy() throws {
        let model = try Self.model()
        let request = GenerationRequest(
            prompt: Tokenizer.encode("Hello"), maxNewTokens: 20, sampling: SamplingParameters(temperature: 0, seed: 1))
        let first = try model.generate([request])[0]
        var other = request
        other.sampling.seed = 99
        let second = try model.generate([other])[0]
        #expect(first.tokens == second.tokens, "temperature 0 ignores the seed")
        #expect(first.tokens.count == 20)
        #expect(first.finishReason == .maxNewTokens)
        var sequence = request.prompt
        for token in first.tokens {
            let logits = try model.logits(for: sequence).scalars.suffix(256)
            let argmax = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!
            #expect(Int32(argmax - logits.startIndex) == token)
            sequence.append(token)
        }
    }

    @Test func test_kvCache_shouldMatchFullRecomputation() throws {
        let model = try Self.model()
        let prompt = Tokenizer.encode("The cache")
        let generation = try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: 30, sampling: SamplingParameters(temperature: 1, seed: 3))
        ])[0]
        let full = try model.logProbabilities(of: [prompt + generation.tokens])[0]
        let recomputed = Array(full.suffix(generation.tokens.count))
        let difference = zip(recomputed, generation.logProbabilities).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "cached log-probabilities differ from the full forward by \(difference)")
        // Logits of every position from the cached path (prefill + one token at a time) against the full forward.
        let tokens = prompt + generation.tokens
        let logits = try model.logits(for: tokens).scalars
        let workspace = GenerationWorkspace()
        workspace.reserve(config: Self.config, slots: 1, slotLength: tokens.count, rows: tokens.count)
        model.forward(
            tokens: prompt, positions: Array(0..<prompt.count),
            segments: [Segment(slot: 0, start: 0, count: prompt.count, firstRow: 0)], weights: model.inferenceWeights(),
            workspace: workspace)
        for position in prompt.count..<tokens.count {
            let cached = Array(UnsafeBufferPointer(start: workspace.logits(config: Self.config), count: 256))
            let reference = logits[(position - 1) * 256..<position * 256]
            #expect(zip(cached, reference).map { abs($0 - $1) }.max()! < 1e-4, "position \(position - 1)")
            model.forward(
                tokens: [tokens[position]], positions: [position],
                segments: [Segment(slot: 0, start: position, count: 1, firstRow: 0)], weights: model.inferenceWeights(),
                workspace: workspace)
        }
    }

    @Test(arguments: [1, 2])
    func test_batchedGeneration_shouldEqualOneByOne(threadCount: Int) throws {
        let model = try Self.model(threadCount: threadCount)
        let requests = [
            GenerationRequest(
                prompt: Tokenizer.encode("a"), maxNewTokens: 25, sampling: SamplingParameters(temperature: 1, seed: 1)),
            GenerationRequest(
                prompt: Tokenizer.encode("a much longer prompt"), maxNewTokens: 12,
                sampling: SamplingParameters(temperature: 0.8, topK: 20, seed: 2)),
            GenerationRequest(
                prompt: Tokenizer.encode("xyz"), maxNewTokens: 40,
                sampling: SamplingParameters(temperature: 1.2, topP: 0.9, seed: 3)),
            GenerationRequest(
                prompt: Tokenizer.encode("0123456789"), maxNewTokens: 5, sampling: SamplingParameters(temperature: 0)),
        ]
        let batched = try model.generate(requests)
        for (request, result) in zip(requests, batched) {
            let alone = try model.generate([request])[0]
            #expect(alone.tokens == result.tokens)
            #expect(alone.finishReason == result.finishReason)
            #expect(zip(alone.logProbabilities, result.logProbabilities).allSatisfy { abs($0 - $1) < 1e-4 })
        }
        #expect(batched.map(\.tokens.count) == [25, 12, 40, 5])
    }

    @Test func test_sameSeed_shouldSampleTheSameTokens_andOtherSeedsOthers() throws {
        let model = try Self.model()
        let request = GenerationRequest(
            prompt: Tokenizer.encode("seed"), maxNewTokens: 30, sampling: SamplingParameters(temperature: 1, seed: 42))
        var other = request
        other.sampling.seed = 43
        let results = try model.generate([request, request, other])
        #expect(results[0].tokens == results[1].tokens)
        #expect(zip(results[0].logProbabilities, results[1].logProbabilities).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(results[0].tokens != results[2].tokens)
    }

    @Test func test_topK1_shouldEqualGreedy() throws {
        let model = try Self.model()
        let prompt = Tokenizer.encode("top")
        let greedy = try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: 15, sampling: SamplingParameters(temperature: 0))
        ])
        let topK = try model.generate([
            GenerationRequest(
                prompt: prompt, maxNewTokens: 15, sampling: SamplingParameters(temperature: 1.5, topK: 1, seed: 7))
        ])
        #expect(greedy[0].tokens == topK[0].tokens)
    }

    @Test func test_topP_shouldOnlyPickFromTheNucleus() {
        var logits = [Float](repeating: -10, count: 256)
        logits[7] = 5
        logits[9] = 4.5
        var sampler = Sampler(parameters: SamplingParameters(temperature: 1, topP: 0.5, seed: 1), vocabularySize: 256)
        let picks = (0..<200).map { _ in sampler.next(logits: logits).token }
        #expect(Set(picks) == [7], "top-p 0.5 keeps only the most likely token here")
        var wide = Sampler(parameters: SamplingParameters(temperature: 1, topP: 0.95, seed: 1), vocabularySize: 256)
        #expect(Set((0..<400).map { _ in wide.next(logits: logits).token }) == [7, 9])
    }

    @Test func test_stopSequence_shouldEndGenerationAndBeKept() throws {
        let model = try Self.model()
        let prompt = Tokenizer.encode("stop")
        let free = try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: 20, sampling: SamplingParameters(temperature: 0))
        ])[0]
        let stop = Array(free.tokens[3...4])
        let firstEnd = (1..<free.tokens.count).first { free.tokens[..<($0 + 1)].suffix(2).elementsEqual(stop) }! + 1
        let stopped = try model.generate([
            GenerationRequest(
                prompt: prompt, maxNewTokens: 20, sampling: SamplingParameters(temperature: 0),
                stopSequences: [[255, 255, 255], stop])
        ])[0]
        #expect(stopped.finishReason == .stopSequence)
        #expect(stopped.tokens == Array(free.tokens.prefix(firstEnd)))
    }

    @Test func test_contextLength_shouldEndGeneration() throws {
        let model = try Self.model()
        let prompt = [Int32](repeating: 65, count: 40)
        let result = try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: 100, sampling: SamplingParameters(temperature: 0))
        ])[0]
        #expect(result.finishReason == .contextLength)
        #expect(prompt.count + result.tokens.count == Self.config.contextLength)
    }

    @Test func test_generation_shouldUseTheWeightsAfterAnUpdate() throws {
        let model = try Self.model()
        let request = GenerationRequest(
            prompt: Tokenizer.encode("update"), maxNewTokens: 12, sampling: SamplingParameters(temperature: 0))
        let before = try model.generate([request])[0]
        var wte = model.tensor(named: "wte.weight")!
        var random = SeededRandom(seed: 13)
        for i in 0..<wte.count { wte.scalars[i] += 0.5 * random.nextGaussian() }
        try model.setTensor(named: "wte.weight", to: wte)
        let after = try model.generate([request])[0]
        let fresh = try GPT(checkpoint: model.checkpoint()).generate([request])[0]
        #expect(after.tokens == fresh.tokens, "the cached transposed weights were rebuilt")
        #expect(after.tokens != before.tokens)
    }

    @Test func test_invalidRequests_shouldThrow() throws {
        let model = try Self.model()
        #expect(throws: ModelError.self) { try model.generate([GenerationRequest(prompt: [], maxNewTokens: 1)]) }
        #expect(throws: ModelError.self) { try model.generate([GenerationRequest(prompt: [300], maxNewTokens: 1)]) }
        #expect(throws: ModelError.self) {
            try model.generate([GenerationRequest(prompt: [Int32](repeating: 1, count: 48), maxNewTokens: 1)])
        }
    }
}
