import Foundation
import FulmenModel
import Testing

@testable import FulmenLlama

/// The whole model: gradients against finite differences, threads, and learning.
@Suite struct LlamaModelTests {
    static let batch: TrainingBatch = try! TrainingBatch(
        sequences: [[1, 5, 2, 9, 9, 3, 14, 0, 60, 33], [7, 7, 1, 4], [2, 40, 41]],
        targetWeights: [[0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.4, -0.2, 0.3], [0, -0.3, 0.5], [0.25, 0.25]])

    /// Central differences (step 1e-2) of the loss against the analytic gradient for 5 parameters of every tensor;
    /// tolerance |numeric − analytic| ≤ 5e-4 + 2e-2·|value|.
    @Test(arguments: [true, false])
    func test_modelGradient_shouldMatchFiniteDifferences(tied: Bool) throws {
        var config = LlamaTestSupport.tiny
        config.tiedEmbeddings = tied
        let model = try LlamaTestSupport.model(config, seed: tied ? 21 : 22)
        model.zeroGradients()
        try model.accumulateGradients(for: Self.batch)
        let analytic = model.gradients.copy(count: model.parameterCount)
        var worst = 0.0
        for entry in model.layout.entries {
            for k in LlamaTestSupport.sample(entry.count, count: 5) {
                let i = entry.offset + k
                let saved = model.parameters.base[i]
                let epsilon: Float = 1e-2
                model.parameters.base[i] = saved + epsilon
                let plus = Double(try model.loss(for: Self.batch))
                model.parameters.base[i] = saved - epsilon
                let minus = Double(try model.loss(for: Self.batch))
                model.parameters.base[i] = saved
                let numeric = (plus - minus) / Double(2 * epsilon)
                let ratio = abs(numeric - Double(analytic[i])) / (5e-4 + 2e-2 * max(abs(numeric), abs(Double(analytic[i]))))
                #expect(ratio <= 1, "\(entry.name)[\(k)]: numeric \(numeric), analytic \(analytic[i])")
                worst = max(worst, ratio)
            }
        }
        print("whole-model gradient check (tied \(tied)): worst error / allowance \(worst)")
        #expect(worst <= 1)
        #expect(model.gradient(named: "output.weight") == nil || !tied)
    }

    @Test func test_twoThreads_shouldGiveTheSameLossAndGradients() throws {
        var config = LlamaTestSupport.tiny
        config.embeddingSize = 64
        config.feedForwardSize = 256
        config.vocabularySize = 1000  // large enough that the products split over workers
        let one = try LlamaTestSupport.model(config, seed: 23, scale: 0.1)
        let two = try LlamaTestSupport.model(config, seed: 23, scale: 0.1, threadCount: 2)
        let lossOne = try one.accumulateGradients(for: Self.batch)
        let lossTwo = try two.accumulateGradients(for: Self.batch)
        #expect(abs(lossOne - lossTwo) < 1e-5 * max(1, abs(lossOne)))
        let a = one.gradients.copy(count: one.parameterCount)
        let b = two.gradients.copy(count: two.parameterCount)
        let difference = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-5, "largest gradient difference between 1 and 2 threads: \(difference)")
    }

    @Test func test_logProbabilities_shouldMatchTheLogitsAndTheLoss() throws {
        let model = try LlamaTestSupport.model(seed: 24)
        let sequence: [Int32] = [3, 9, 27, 20, 1, 60]
        let logProbabilities = try model.logProbabilities(of: [sequence, [5, 6]])
        #expect(logProbabilities.map(\.count) == [5, 1])
        let logits = try model.logits(for: sequence).scalars
        let v = model.config.vocabularySize
        for t in 0..<5 {
            let row: [Double] = logits[(t * v)..<((t + 1) * v)].map { Double($0) }
            let m = row.max()!
            let total: Double = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            let expected: Double = row[Int(sequence[t + 1])] - m - Foundation.log(total)
            #expect(abs(Double(logProbabilities[0][t]) - expected) < 1e-4)
        }
        let batch = try TrainingBatch.languageModeling(sequences: [sequence])
        let loss = try model.loss(for: batch)
        #expect(abs(Double(loss) + logProbabilities[0].map(Double.init).reduce(0, +) / 5) < 1e-4)
    }

    @Test func test_badInput_shouldBeRefusedNamingTheToken() throws {
        let model = try LlamaTestSupport.model(seed: 25)
        #expect(throws: ModelError.self) { try model.logits(for: []) }
        let error = #expect(throws: ModelError.self) { try model.logProbabilities(of: [[1, 2, 61]]) }
        #expect(error?.message.contains("61") == true)
        let long = [Int32](repeating: 1, count: model.config.contextLength + 2)
        #expect(throws: ModelError.self) { try model.loss(for: try TrainingBatch.languageModeling(sequences: [long])) }
    }

    /// A few hundred AdamW steps on one repeated sequence, through the family-independent interface.
    @Test func test_adamW_shouldLowerTheLossOfARepeatedSequence() throws {
        let model: any LanguageModel = try LlamaTestSupport.model(seed: 26, scale: 0.02)
        let text: [Int32] = (0..<48).map { Int32(($0 * 7 + 3) % 13 + 20) }
        let batch = try TrainingBatch.languageModeling(sequences: [text, Array(text.prefix(30))])
        let optimizer = AdamW(model: model, settings: AdamW.Settings(weightDecay: 0.01))
        let initial = try model.loss(for: batch)
        for _ in 0..<300 {
            model.zeroGradients()
            try model.accumulateGradients(for: batch)
            model.clipGradientNorm(to: 1)
            optimizer.update(model, learningRate: 3e-3)
        }
        let final = try model.loss(for: batch)
        print("AdamW on a repeated sequence: loss \(initial) -> \(final)")
        #expect(initial > 3.5)
        #expect(final < 0.1 * initial)
    }

    /// Plain SGD through `updateTrainableParameters`, the hook any optimiser uses.
    @Test func test_sgd_shouldLowerTheLoss() throws {
        let model = try LlamaTestSupport.model(seed: 27, scale: 0.05)
        let text: [Int32] = [10, 11, 12, 13, 10, 11, 12, 13, 10, 11, 12, 13, 10, 11, 12, 13]
        let batch = try TrainingBatch.languageModeling(sequences: [text])
        let initial = try model.loss(for: batch)
        for _ in 0..<200 {
            model.zeroGradients()
            try model.accumulateGradients(for: batch)
            model.updateTrainableParameters { p in
                for i in 0..<p.count { p.values[i] -= 0.1 * p.gradients[i] }
            }
        }
        let final = try model.loss(for: batch)
        print("SGD on a repeated sequence: loss \(initial) -> \(final)")
        #expect(final < 0.5 * initial)
    }

    @Test func test_smolLM2Preset_shouldHave135MParameters() throws {
        #expect(LlamaConfig.smolLM2_135M.parameterCount == 134_515_008)
        try LlamaConfig.smolLM2_135M.validate()
        let layout = LlamaParameterLayout(config: .smolLM2_135M)
        #expect(layout.count == 134_515_008)
        #expect(layout.entry(named: "blk.0.attn_k.weight")?.shape == [192, 576])
        #expect(layout.entry(named: "blk.29.ffn_down.weight")?.shape == [576, 1536])
        #expect(layout.entry(named: "output.weight") == nil)
        #expect(layout.entries.count == 1 + 30 * 9 + 1)
    }

    /// The GPT answers through the same interface as before.
    @Test func test_gpt_shouldConformWithItsOwnBehaviour() throws {
        let gpt = try GPT(config: GPTConfig(contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2), seed: 3)
        let model: any LanguageModel = gpt
        #expect(model.family == .gpt)
        #expect(model.trainableParameterCount == gpt.parameterCount)
        let sequence: [Int32] = [72, 101, 108, 108, 111]
        let viaProtocol = try model.logProbabilities(of: [sequence])
        let direct = try gpt.logProbabilities(of: [sequence])
        #expect(viaProtocol == direct)
    }
}
