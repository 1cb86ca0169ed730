import FulmenModel
import Testing

@testable import FulmenLlama

/// Generation on the paged key/value cache against full recomputation, batched against one by one.
@Suite struct LlamaGenerationTests {
    /// Logits of every position from the cached path (a prompt prefilled, then one token a step, over blocks of 8
    /// positions so the sequence crosses several block boundaries) against the full forward pass; tolerance 1e-4.
    @Test func test_kvCache_shouldMatchFullRecomputationAtEveryStep() throws {
        let model = try LlamaTestSupport.model(seed: 31, cacheBlockSize: 8)
        let tokens: [Int32] = (0..<45).map { Int32(($0 * 17 + 5) % 61) }
        let promptLength = 11
        let full = try model.logits(for: tokens).scalars
        let v = model.config.vocabularySize
        let pool = model.reservePool(blocks: 6)
        var table = KVBlockTable()
        defer { pool.release(&table) }
        let workspace = model.generationWorkspace(rows: promptLength, segments: 1)
        var start = 0
        var worst: Float = 0
        while start < tokens.count {
            let count = start == 0 ? promptLength : 1
            try pool.extend(&table, to: start + count)
            model.forwardStep(
                tokens: Array(tokens[start..<(start + count)]), positions: Array(start..<(start + count)),
                segments: [StepSegment(sequence: 0, start: start, count: count, firstRow: 0, logitRow: 0)],
                tables: [table], pool: pool, workspace: workspace)
            let last = start + count - 1
            for i in 0..<v { worst = max(worst, abs(workspace.logits[i] - full[last * v + i])) }
            start += count
        }
        print("cached against full logits: largest difference \(worst)")
        #expect(table.blocks.count == 6, "45 positions in blocks of 8")
        #expect(worst < 1e-4, "largest logit difference between the cache and the full forward: \(worst)")
    }

    @Test func test_greedyGeneration_shouldFollowTheArgmaxOfFullRecomputation() throws {
        let model = try LlamaTestSupport.model(seed: 32)
        let prompt: [Int32] = [4, 8, 15, 16, 23, 42]
        let generation = try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: 30, sampling: SamplingParameters(temperature: 0))
        ])[0]
        #expect(generation.tokens.count == 30)
        #expect(generation.finishReason == .maxNewTokens)
        let all = prompt + generation.tokens
        let logits = try model.logits(for: all).scalars
        let v = model.config.vocabularySize
        for (k, token) in generation.tokens.enumerated() {
            let position = prompt.count - 1 + k
            #expect(LlamaTestSupport.argmax(logits[(position * v)..<((position + 1) * v)]) == Int(token), "step \(k)")
        }
        let recomputed = try model.logProbabilities(of: [all])[0].suffix(30)
        let difference = zip(recomputed, generation.logProbabilities).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "sampled log-probabilities against the full forward: \(difference)")
    }

    static let requests = [
        GenerationRequest(prompt: [1], maxNewTokens: 25, sampling: SamplingParameters(temperature: 1, seed: 1)),
        GenerationRequest(
            prompt: (0..<37).map { Int32($0 % 61) }, maxNewTokens: 12,
            sampling: SamplingParameters(temperature: 0.8, topK: 20, seed: 2)),
        GenerationRequest(
            prompt: [9, 9, 9], maxNewTokens: 40, sampling: SamplingParameters(temperature: 1.2, topP: 0.9, seed: 3)),
        GenerationRequest(prompt: [50, 51, 52, 53, 54], maxNewTokens: 0),
        GenerationRequest(prompt: [7, 3], maxNewTokens: 17, sampling: SamplingParameters(temperature: 0)),
    ]

    @Test(arguments: [1, 2])
    func test_batchedGeneration_shouldEqualOneByOne(threadCount: Int) throws {
        let model = try LlamaTestSupport.model(seed: 33, threadCount: threadCount)
        let batched = try model.generate(Self.requests)
        for (i, request) in Self.requests.enumerated() {
            let alone = try model.generate([request])[0]
            #expect(batched[i].tokens == alone.tokens, "request \(i)")
            let difference = zip(batched[i].logProbabilities, alone.logProbabilities).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-4, "request \(i): log-probabilities differ by \(difference)")
        }
        #expect(batched.map(\.tokens.count) == [25, 12, 40, 0, 17])
        #expect(model.cachePool!.freeBlockCount == model.cachePool!.capacity, "every block is given back")
    }

    /// A prompt longer than one step's rows is prefilled in chunks beside a decoding sequence.
    @Test func test_longPrompt_shouldBePrefilledInChunks() throws {
        var config = LlamaTestSupport.tiny
        config.contextLength = 700
        let model = try LlamaTestSupport.model(config, seed: 34)
        let long: [Int32] = (0..<(Llama.maximumRowsPerStep + 90)).map { Int32(($0 * 31 + 7) % 61) }
        let requests = [
            GenerationRequest(prompt: [3, 4], maxNewTokens: 8, sampling: SamplingParameters(temperature: 0)),
            GenerationRequest(prompt: long, maxNewTokens: 6, sampling: SamplingParameters(temperature: 0)),
        ]
        let batched = try model.generate(requests)
        let logits = try model.logits(for: long + batched[1].tokens.dropLast()).scalars
        let v = config.vocabularySize
        for (k, token) in batched[1].tokens.enumerated() {
            let position = long.count - 1 + k
            #expect(LlamaTestSupport.argmax(logits[(position * v)..<((position + 1) * v)]) == Int(token), "step \(k)")
        }
        #expect(try model.generate([requests[0]])[0].tokens == batched[0].tokens)
    }

    @Test func test_stopSequence_andContextLength_shouldEndGeneration() throws {
        let model = try LlamaTestSupport.model(seed: 35)
        let free = try model.generate([
            GenerationRequest(prompt: [2, 3], maxNewTokens: 10, sampling: SamplingParameters(temperature: 0))
        ])[0]
        let stop = Array(free.tokens[3...4])
        let stopped = try model.generate([
            GenerationRequest(
                prompt: [2, 3], maxNewTokens: 10, sampling: SamplingParameters(temperature: 0), stopSequences: [stop])
        ])[0]
        #expect(stopped.finishReason == .stopSequence)
        #expect(stopped.tokens.suffix(2).elementsEqual(stop), "the stop sequence is kept")
        #expect(free.tokens.starts(with: stopped.tokens) && stopped.tokens.count <= 5)
        let context = model.config.contextLength
        let filled = try model.generate([
            GenerationRequest(prompt: [Int32](repeating: 5, count: context - 4), maxNewTokens: 50)
        ])[0]
        #expect(filled.finishReason == .contextLength)
        #expect(filled.tokens.count == 4)
    }

    @Test func test_badRequests_shouldBeRefused() throws {
        let model = try LlamaTestSupport.model(seed: 36)
        #expect(throws: ModelError.self) { try model.generate([GenerationRequest(prompt: [], maxNewTokens: 3)]) }
        let unknown = #expect(throws: ModelError.self) {
            try model.generate([GenerationRequest(prompt: [1, 99], maxNewTokens: 3)])
        }
        #expect(unknown?.message.contains("99") == true)
        model.maximumCacheBlocks = 2
        let full = #expect(throws: ModelError.self) {
            try model.generate([GenerationRequest(prompt: [1, 2, 3], maxNewTokens: 40)])
        }
        #expect(full?.message.contains("out of blocks") == true)
    }
}
