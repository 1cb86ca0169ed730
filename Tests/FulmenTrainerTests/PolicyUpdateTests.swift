import Foundation
import FulmenCore
import FulmenModel
import FulmenTrainer
import Testing

@Suite("Trainer: the GRPO objective and its gradient")
struct PolicyUpdateTests {
    static func sample(advantage: Double, delta: Float, reference: Float? = nil) -> PolicyObjective.Sample {
        // One trained token whose current log-probability is -1 and whose sampling one was -1 - delta.
        PolicyObjective.Sample(
            advantage: advantage, trainable: [false, true], sampled: [0, -1 - delta], current: [0, -1],
            reference: reference.map { [0, $0] })
    }

    @Test func theClipStopsTheGradientOnlyWhereItBinds() {
        let objective = PolicyObjective(clipRange: 0.2)
        let weights = objective.weights(for: [
            Self.sample(advantage: 1, delta: 0.4),  // ratio 1.49 > 1.2, A > 0: held
            Self.sample(advantage: 1, delta: 0.1),  // ratio 1.105: free
            Self.sample(advantage: -1, delta: -0.5),  // ratio 0.61 < 0.8, A < 0: held
            Self.sample(advantage: -1, delta: 0.4),  // ratio 1.49, A < 0: free (the clip only bounds the gain)
        ])
        #expect(weights.trainedTokens == 4)
        #expect(weights.clippedFraction == 0.5)
        let w = weights.weights.map { $0[1] }
        #expect(w[0] == 0 && w[2] == 0)
        #expect(abs(Double(w[1]) - exp(0.1) / 4) < 1e-6)
        #expect(abs(Double(w[3]) - -exp(0.4) / 4) < 1e-6)
        #expect(weights.weights.allSatisfy { $0[0] == 0 }, "an untrained token got a weight")
        let expected = (1.2 + exp(0.1) - 0.8 - exp(0.4)) / 4
        #expect(abs(weights.objective - expected) < 1e-6)
    }

    @Test func theKLPenaltyPullsTowardTheReference() {
        let objective = PolicyObjective(clipRange: 0.2, klCoefficient: 0.5)
        // No advantage: only the KL term acts. The reference likes the token more than the model does,
        // so the weight raises its log-probability.
        let weights = objective.weights(for: [Self.sample(advantage: 0, delta: 0, reference: -0.5)])
        let delta = 0.5
        #expect(abs(weights.kl - (exp(delta) - delta - 1)) < 1e-9)
        #expect(abs(Double(weights.weights[0][1]) - -0.5 * (1 - exp(delta))) < 1e-6)
        #expect(weights.weights[0][1] > 0)
    }

    /// The update's gradient is the objective's: against central finite differences of the objective
    /// computed from the model's own log-probabilities.
    @Test func theUpdatesGradientIsTheObjectivesGradient() throws {
        let config = GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2)
        let model = try GPT(config: config, seed: 5)
        let reference = try GPT(config: config, seed: 6)
        let objective = PolicyObjective(clipRange: 0.2, klCoefficient: 1)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
        let responses: [[Int32]] = [[10, 11, 12], [13, 14, 15, 16], [17, 18]]
        let advantages = [1.0, -0.7, 0.4]
        let offsets: [Float] = [0.4, 0.1, -0.5, 0.05, 0.3, -0.1, 0.6, -0.3, 0.0]
        let sequences = zip(prompts, responses).map { $0 + $1 }

        func samples(_ model: GPT) throws -> [PolicyObjective.Sample] {
            let current = try model.logProbabilities(of: sequences)
            let referenced = try reference.logProbabilities(of: sequences)
            var next = 0
            return sequences.indices.map { b in
                let trainable = (0..<(sequences[b].count - 1)).map { $0 >= prompts[b].count - 1 }
                // Sampling log-probabilities a fixed offset from today's, so ratios sit clear of the clip's edges.
                let sampled = current[b].enumerated().map { t, value in
                    guard trainable[t] else { return value }
                    defer { next += 1 }
                    return value - offsets[next % offsets.count]
                }
                return PolicyObjective.Sample(
                    advantage: advantages[b], trainable: trainable, sampled: sampled, current: current[b],
                    reference: referenced[b])
            }
        }
        let base = try samples(model)
        let weights = objective.weights(for: base)
        model.zeroGradients()
        try model.accumulateGradients(for: TrainingBatch(sequences: sequences, targetWeights: weights.weights))

        // J(θ) with the sampling log-probabilities held fixed, as during one update.
        func objectiveValue() throws -> Double {
            var perturbed = try samples(model)
            for b in perturbed.indices { perturbed[b].sampled = base[b].sampled }
            return objective.weights(for: perturbed).objective
        }
        var checked = 0
        for name in ["blocks.0.fc1.weight", "blocks.0.qkv.weight", "wte.weight"] {
            let tensor = try #require(model.tensor(named: name), "no tensor \(name): \(model.tensorNames)")
            let gradient = try #require(model.gradient(named: name))
            let largest = gradient.scalars.indices.sorted { abs(gradient.scalars[$0]) > abs(gradient.scalars[$1]) }.prefix(6)
            for i in largest {
                let h: Float = 1e-2
                var plus = tensor
                plus.scalars[i] += h
                try model.setTensor(named: name, to: plus)
                let up = try objectiveValue()
                var minus = tensor
                minus.scalars[i] -= h
                try model.setTensor(named: name, to: minus)
                let down = try objectiveValue()
                try model.setTensor(named: name, to: tensor)
                let numeric = (up - down) / Double(2 * h)
                let analytic = -Double(gradient.scalars[i])
                #expect(abs(numeric - analytic) <= 2e-3 + 0.05 * abs(numeric), "\(name)[\(i)]: \(analytic) vs \(numeric)")
                checked += 1
            }
        }
        #expect(checked == 18)
    }

    @Test func anUpdateWithNoSignalIsAnErrorNotASilentStep() throws {
        let model = try GPT(config: GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2))
        let triplet = GroupAdvantagesTests.triplet("a-0", 1)
        #expect(throws: TrainingError.noSignal(triplets: 2)) {
            try PolicyUpdate().run(
                model: model, optimizer: AdamW(model: model), learningRate: 1e-3, triplets: [triplet, triplet],
                advantages: [0, 0])
        }
    }

    @Test func policyUpdatesRaiseTheLikelihoodOfWhatWasRewarded() throws {
        let config = GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2)
        let model = try GPT(config: config, seed: 9)
        let optimizer = AdamW(model: model)
        let prompt: [Int32] = [1, 2]
        let good: [Int32] = [20, 21], bad: [Int32] = [22, 23]
        func logProbability(_ response: [Int32]) throws -> Float {
            try model.logProbabilities(of: [prompt + response])[0].suffix(2).reduce(0, +)
        }
        let before = (try logProbability(good), try logProbability(bad))
        let update = PolicyUpdate()
        for _ in 0..<20 {
            let triplets = [good, bad].enumerated().map { i, response in
                Triplet(
                    rollout: RolloutID("r-\(i)"), attempt: "a", agent: "solver", prompt: prompt, response: response,
                    trainable: [true, true],
                    logProbabilities: try! model.logProbabilities(of: [prompt + response])[0].suffix(2),
                    reward: i == 0 ? 1 : 0, weightsVersion: 1)
            }
            let advantages = GroupAdvantages.compute(triplets) { _ in "one" }.advantages
            _ = try update.run(model: model, optimizer: optimizer, learningRate: 1e-2, triplets: triplets, advantages: advantages)
        }
        let after = (try logProbability(good), try logProbability(bad))
        #expect(after.0 > before.0 + 1 && after.1 < before.1 - 1, "before \(before), after \(after)")
    }
}

@Suite("Trainer: supervised steps")
struct SupervisedUpdateTests {
    @Test func supervisedStepsLearnTheMarkedTokensOnly() throws {
        let config = GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2)
        let model = try GPT(config: config, seed: 3)
        let optimizer = AdamW(model: model)
        let sample = SupervisedSample(tokens: [1, 2, 3, 4, 5], trainable: [false, false, true, true, true])
        var losses: [Float] = []
        for _ in 0..<30 {
            losses.append(try SupervisedUpdate().run(model: model, optimizer: optimizer, learningRate: 1e-2, samples: [sample]).loss)
        }
        #expect(losses.last! < losses.first! / 4, "\(losses)")
        let generated = try model.generate([GenerationRequest(prompt: [1, 2], maxNewTokens: 3, sampling: .init(temperature: 0))])
        #expect(generated[0].tokens == [3, 4, 5])
    }

    @Test func samplesWithNothingToLearnAreRefused() throws {
        let model = try GPT(config: GPTConfig(vocabularySize: 32, contextLength: 16, embeddingSize: 16, layerCount: 1, headCount: 2))
        let untrained = SupervisedSample(tokens: [1, 2, 3], trainable: [true, false, false])
        #expect(throws: TrainingError.noData("none of the 1 samples marks a token to learn")) {
            try SupervisedUpdate().run(model: model, optimizer: AdamW(model: model), learningRate: 1e-3, samples: [untrained])
        }
        let mismatched = SupervisedSample(tokens: [1, 2, 3], trainable: [false, true])
        #expect(throws: TrainingError.noData("sample 0 has 3 tokens but 2 flags")) {
            try SupervisedUpdate().run(model: model, optimizer: AdamW(model: model), learningRate: 1e-3, samples: [mismatched])
        }
    }
}
