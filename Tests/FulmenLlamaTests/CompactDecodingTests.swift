import FulmenModel
import ModelFiles
import ModelTestSupport
import Testing

@testable import FulmenLlama

/// One-sequence decoding on compact weights (``LlamaDecodingWeights/compact``) against the Float32 path: a tiny
/// seeded model re-quantised to Q8_0, and the bundled SmolLM2 on its own Q4_1/Q8_0 blocks.
@Suite struct CompactDecodingTests {
    /// Width 64, 2 layers, 4 query heads and 2 key/value heads of 16, SwiGLU of 96, vocabulary 97, tied head: every
    /// matrix's rows are whole blocks of 32.
    static let tiny = LlamaConfig(
        vocabularySize: 97, contextLength: 80, embeddingSize: 64, layerCount: 2, headCount: 4, keyValueHeadCount: 2,
        headSize: 16, feedForwardSize: 96, rmsNormEpsilon: 1e-5, ropeBase: 10_000, tiedEmbeddings: true)

    /// The logits of each decoding step: `tokens[0..<prompt]` prefilled in one step, then one token a step.
    static func decodingLogits(_ model: Llama, tokens: [Int32], prompt: Int) throws -> [[Float]] {
        let pool = model.reservePool(blocks: (tokens.count + model.cacheBlockSize - 1) / model.cacheBlockSize)
        var table = KVBlockTable()
        defer { pool.release(&table) }
        let workspace = model.generationWorkspace(rows: prompt, segments: 1)
        var start = 0
        var steps: [[Float]] = []
        while start < tokens.count {
            let count = start == 0 ? prompt : 1
            try pool.extend(&table, to: start + count)
            model.forwardStep(
                tokens: Array(tokens[start..<(start + count)]), positions: Array(start..<(start + count)),
                segments: [StepSegment(sequence: 0, start: start, count: count, firstRow: 0, logitRow: 0)],
                tables: [table], pool: pool, workspace: workspace)
            if count == 1 {
                steps.append(Array(UnsafeBufferPointer(start: workspace.logits, count: model.config.vocabularySize)))
            }
            start += count
        }
        return steps
    }

    /// The largest logit difference between two runs, as a fraction of each step's logit range in `reference`.
    static func worstRelativeDifference(_ ours: [[Float]], _ reference: [[Float]]) -> Double {
        zip(ours, reference).map { ours, reference in
            let range = Double(reference.max()! - reference.min()!)
            return zip(ours, reference).map { Double(abs($0 - $1)) }.max()! / range
        }.max()!
    }

    static func greedy(_ model: Llama, _ prompt: [Int32], tokens: Int) throws -> [Int32] {
        try model.generate([
            GenerationRequest(prompt: prompt, maxNewTokens: tokens, sampling: SamplingParameters(temperature: 0))
        ])[0].tokens
    }

    /// Re-quantising to Q8_0 moves each weight by at most half a step (max|w|/254 per block); this random model
    /// (matrices of std 0.3 through 2 layers) amplifies that to a few percent of the logit range (measured 5%), so
    /// the logits stay within 8% of their range, and every token greedy decoding picks on the compact path is one
    /// the Float32 forward pass, fed the same tokens, ranks within 8% of the range of its best.
    @Test func test_requantisedTinyModel_shouldDecodeAsTheFloat32Path() throws {
        let model = try LlamaTestSupport.model(Self.tiny, seed: 81, threadCount: 2, cacheBlockSize: 8)
        let tokens: [Int32] = (0..<40).map { Int32(($0 * 29 + 3) % 97) }
        #expect(model.decodingWeights == .float32)
        let float32 = try Self.decodingLogits(model, tokens: tokens, prompt: 7)
        model.decodingWeights = .compact
        let compact = try Self.decodingLogits(model, tokens: tokens, prompt: 7)
        let bytes = try #require(model.compactWeightsByteCount)
        #expect(bytes == model.parameterCount / 32 * 34 - (2 * 2 + 1) * 64 / 32 * 34, "every matrix in Q8_0")
        let worst = Self.worstRelativeDifference(compact, float32)
        print("tiny model, Q8_0 against Float32: worst logit difference \(worst) of the range")
        #expect(worst < 0.08)
        let v = model.config.vocabularySize
        var equal = 0
        for prompt: [Int32] in [[1, 2, 3], [50, 9], [96, 0, 44, 12, 7]] {
            model.decodingWeights = .compact
            let ours = try Self.greedy(model, prompt, tokens: 20)
            model.decodingWeights = .float32
            equal += try Self.greedy(model, prompt, tokens: 20) == ours ? 1 : 0
            let logits = try model.logits(for: prompt + ours).scalars
            for (k, token) in ours.enumerated() {
                let row = logits[((prompt.count - 1 + k) * v)..<((prompt.count + k) * v)]
                let (best, range) = (row.max()!, row.max()! - row.min()!)
                #expect(best - row[row.startIndex + Int(token)] <= 0.08 * range, "prompt \(prompt) step \(k)")
            }
        }
        print("tiny model: greedy generations token for token equal for \(equal) of 3 prompts")
    }

    /// Up to four sequences decode together on the compact weights as each does alone: the same tokens, and
    /// log-probabilities within 1e-4 (the compact products give each row exactly its one-row result, but the
    /// prompts' Float32 prefill, one `sgemm` over all of them, rounds a little differently from one per prompt).
    @Test func test_batchedCompactDecoding_shouldEqualEachSequenceAlone() throws {
        let model = try LlamaTestSupport.model(Self.tiny, seed: 83, threadCount: 2)
        model.decodingWeights = .compact
        let requests = (0..<4).map { i in
            GenerationRequest(
                prompt: (0..<(5 + i)).map { Int32(($0 * 13 + i * 7 + 1) % 97) }, maxNewTokens: 12 + 3 * i,
                sampling: SamplingParameters(temperature: 1, seed: UInt64(40 + i)))
        }
        let together = try model.generate(requests)
        for (i, request) in requests.enumerated() {
            let alone = try model.generate([request])[0]
            #expect(together[i].tokens == alone.tokens, "sequence \(i)")
            let difference = zip(together[i].logProbabilities, alone.logProbabilities).map { abs($0 - $1) }.max()!
            #expect(difference < 1e-4, "sequence \(i)")
        }
    }

    /// The compact copy is dropped when the weights change, and the next compact step uses the new weights.
    @Test func test_changedWeights_shouldDropTheCompactCopy() throws {
        let model = try LlamaTestSupport.model(Self.tiny, seed: 82)
        model.decodingWeights = .compact
        let tokens: [Int32] = [5, 6, 7, 8, 9]
        let before = try Self.decodingLogits(model, tokens: tokens, prompt: 2)
        #expect(model.compactWeightsByteCount != nil)
        let name = "blk.1.ffn_down.weight"
        let down = try #require(model.tensor(named: name))
        try model.setTensor(named: name, to: Tensor(shape: down.shape, scalars: down.scalars.map { $0 * 3 }))
        #expect(model.compactWeightsByteCount == nil)
        let after = try Self.decodingLogits(model, tokens: tokens, prompt: 2)
        model.decodingWeights = .float32
        #expect(model.compactWeightsByteCount == nil, "float32 frees the compact copy")
        let float32 = try Self.decodingLogits(model, tokens: tokens, prompt: 2)
        #expect(Self.worstRelativeDifference(after, float32) < 0.08)
        #expect(Self.worstRelativeDifference(before, float32) > 0.2, "the change shows in the logits")
    }
}

/// The bundled SmolLM2 decoding on its own blocks (Q4_1 projections, Q8_0 tied head) against its Float32 copy.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct BundledModelCompactDecodingTests {
    /// The compact kernels multiply the very values the Float32 copy holds (the dequantised blocks): logits differ
    /// by summation order only, measured below 1e-4 of the range; greedy generations are the same tokens.
    @Test func test_fileBlocks_shouldDecodeAsTheFloat32Copy() throws {
        let model = try Llama(gguf: try RealModel.file(), threadCount: 2)
        #expect(model.decodingWeights == .compact)
        let bytes = try #require(model.compactWeightsByteCount)
        print("SmolLM2 compact weights: \(bytes) bytes")
        #expect(bytes == 30 * (960 + 576 + 3072 + 1536) * 576 / 32 * 20 + 49152 * 576 / 32 * 34, "Q4_1 blocks, Q8_0 head")
        let tokens: [Int32] = [1, 9690, 314, 253, 4541, 28, 8892, 30, 378, 253, 2365, 1488, 282, 314, 30, 216, 46, 47]
        let compact = try CompactDecodingTests.decodingLogits(model, tokens: tokens, prompt: 4)
        model.decodingWeights = .float32
        let float32 = try CompactDecodingTests.decodingLogits(model, tokens: tokens, prompt: 4)
        let worst = CompactDecodingTests.worstRelativeDifference(compact, float32)
        print("SmolLM2, file blocks against Float32: worst logit difference \(worst) of the range")
        #expect(worst < 1e-4)
        for prompt: [Int32] in [[1, 9690, 314], [1, 504, 3458, 282], [1, 20, 1537, 16, 30]] {
            model.decodingWeights = .compact
            let ours = try CompactDecodingTests.greedy(model, prompt, tokens: 24)
            model.decodingWeights = .float32
            let reference = try CompactDecodingTests.greedy(model, prompt, tokens: 24)
            #expect(ours == reference, "prompt \(prompt)")
        }
    }
}
