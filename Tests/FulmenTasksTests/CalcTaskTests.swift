import FulmenCore
import FulmenModel
import FulmenRunner
import FulmenAgents
@testable import FulmenTasks
import Foundation
import Testing

/// A random calc policy: a well-formed calculator call on random operands of the task's sizes, then an
/// answer copying the calculator's result (it succeeds only if its random call was the question).
struct RandomCalcPolicy: ScriptedPolicy {
    var random: SeededRandom

    mutating func respond(to prompt: String) -> String {
        let last = prompt.split(separator: "\n").last ?? ""
        if last.hasPrefix("R:") { return "A:" + last.dropFirst(2) + "\n" }
        let a = Int.random(in: 10...999, using: &random)
        let b = Int.random(in: 10...999, using: &random)
        return "C:\(a)\(["+", "-", "*"].randomElement(using: &random)!)\(b)\n"
    }
}

@Suite struct CalcTaskTests {
    let task = CalcTask()

    @Test func theSplitIsDeterministicDisjointAndWithinTheDigitRange() throws {
        let split = try task.split(seed: 7, trainCount: 300, validationCount: 100)
        #expect(split == (try task.split(seed: 7, trainCount: 300, validationCount: 100)))
        #expect(split != (try task.split(seed: 8, trainCount: 300, validationCount: 100)))
        #expect(split.train.count == 300 && split.validation.count == 100)
        #expect(Set(split.train).count == 300 && Set(split.validation).count == 100)
        #expect(Set(split.train).isDisjoint(with: split.validation))
        for problem in split.train + split.validation {
            #expect((10...999).contains(problem.a) && (10...999).contains(problem.b))
        }
        #expect(Set(split.validation.map(\.operation)) == Set(CalcProblem.Operation.allCases))
        // Validation does not move when only the training count does.
        #expect(try task.split(seed: 7, trainCount: 5, validationCount: 100).validation == split.validation)
    }

    @Test func theSplitRefusesImpossibleConfigurations() throws {
        #expect(throws: TaskError.self) { try CalcTask(digits: 0...3).split(seed: 1, trainCount: 1, validationCount: 1) }
        #expect(throws: TaskError.self) { try CalcTask(digits: 2...10).split(seed: 1, trainCount: 1, validationCount: 1) }
        #expect(throws: TaskError.self) { try task.split(seed: 1, trainCount: -1, validationCount: 1) }
        // One-digit problems: only 10 x 10 x 3 = 300 exist.
        #expect(throws: TaskError.self) { try CalcTask(digits: 1...1).split(seed: 1, trainCount: 250, validationCount: 100) }
        let oneDigit = try CalcTask(digits: 1...1).split(seed: 1, trainCount: 150, validationCount: 50)
        #expect(oneDigit.train.count == 150)
    }

    @Test func theExpertSolvesTheWholeValidationSplit() async throws {
        let validation = try task.split(seed: 11, trainCount: 0, validationCount: 200).validation
        let rate = try await successRate(task, validation) { problem, _ in try task.expert(for: problem) }
        #expect(rate == 1)
        // Larger operands, as a configured task draws them.
        let wide = CalcTask(digits: 4...9)
        let hard = try wide.split(seed: 11, trainCount: 0, validationCount: 100).validation
        #expect(try await successRate(wide, hard) { problem, _ in try wide.expert(for: problem) } == 1)
    }

    @Test func aRandomPolicyRarelySucceeds() async throws {
        let validation = try task.split(seed: 11, trainCount: 0, validationCount: 200).validation
        let rate = try await successRate(task, validation) { _, index in
            RandomCalcPolicy(random: SeededRandom(seed: UInt64(index)))
        }
        #expect(rate <= 0.02)
    }

    @Test func theDemonstrationIsOneTranscriptWithTheModelTokensMarked() async throws {
        let problem = CalcProblem(123, .multiply, 45)
        let demonstration = try await task.demonstration(for: problem)
        #expect(demonstration.reward == 1)
        #expect(demonstration.samples.count == 1)
        let sample = try #require(demonstration.samples.first)
        #expect(Tokenizer.decode(sample.tokens) == "Q:123*45\nC:123*45\nR:5535\nA:5535\n")
        let marked = zip(sample.tokens, sample.trainable).filter(\.1).map(\.0)
        #expect(Tokenizer.decode(marked) == "C:123*45\nA:5535\n")
        #expect(sample.tokens.count <= task.contextLength)
    }

    @Test func theCalculatorEvaluatesWellFormedCallsAndAnswersErrOtherwise() async throws {
        // Nine-digit operands: calls of up to 24 tokens fit the call's limit.
        let problem = CalcProblem(999_999_999, .multiply, 999_999_999)
        let cases: [(call: String, observation: String)] = [
            ("C:12-345\n", "R:-333\n"),
            ("C:7*8\n", "R:56\n"),
            ("C:999999999999999999+1\n", "R:1000000000000000000\n"),
            ("C:12+\n", "R:ERR\n"),
            ("C:+3\n", "R:ERR\n"),
            ("C:12/4\n", "R:ERR\n"),
            ("C:1+2+3\n", "R:ERR\n"),
            ("C:-1+2\n", "R:ERR\n"),
            ("A:5\n", "R:ERR\n"),
            ("C:1 + 2\n", "R:ERR\n"),
            ("C:9999999999*999999999\n", "R:ERR\n"),
            ("C:1234567890123456789+1\n", "R:ERR\n"),
            ("C:3+4", "R:ERR\n"),
        ]
        for (call, observation) in cases {
            let episode = try await task.play(problem, with: ScriptedLines(call, "A:999999998000000001\n"))
            #expect(episode.toolCalls.map(\.output) == [observation], "call \(call.debugDescription)")
            #expect(episode.toolCalls.first?.name == "calculator")
            let second = try #require(episode.turns.last)
            #expect(Tokenizer.decode(second.prompt) == "Q:999999999*999999999\n" + call + observation)
            #expect(episode.reward == 1)
        }
        // A call longer than the limit is cut, and so malformed.
        let cut = try await task.play(CalcProblem(3, .add, 4), with: ScriptedLines("C:3+4+0000\n", "A:7\n"))
        #expect(cut.toolCalls.map(\.input) == ["C:3+4+00"])
        #expect(cut.toolCalls.map(\.output) == ["R:ERR\n"])
    }

    @Test func theRewardNeedsTheExactAnswerLine() async throws {
        for (answer, reward) in [("A:7\n", 1.0), ("A:07\n", 0), ("A:7", 0), ("7\n", 0), ("A:8\n", 0), ("A:7 \n", 0)] {
            let episode = try await task.play(CalcProblem(3, .add, 4), with: ScriptedLines("C:3+4\n", answer))
            #expect(episode.reward == reward, "answer \(answer.debugDescription)")
            #expect(task.isSuccess(reward: episode.reward) == (reward == 1))
        }
    }

    @Test func aNearMissEarnsPartialCreditForEachDigitInPlaceButNeverSucceeds() async throws {
        let cases: [(CalcProblem, String, Double)] = [
            (CalcProblem(123, .multiply, 45), "A:5530\n", 0.375),
            (CalcProblem(123, .multiply, 45), "A:5000\n", 0.125),
            (CalcProblem(123, .multiply, 45), "A:4000\n", 0),
            (CalcProblem(3, .subtract, 40), "A:-38\n", 0.5 * 2 / 3),
            (CalcProblem(3, .subtract, 40), "A:+37\n", 0),
            // Another length, a malformed number or line earns nothing.
            (CalcProblem(123, .multiply, 45), "A:553\n", 0),
            (CalcProblem(123, .multiply, 45), "A:05535\n", 0),
            (CalcProblem(123, .multiply, 45), "A:5535", 0),
            (CalcProblem(123, .multiply, 45), "R:5535\n", 0),
        ]
        for (problem, answer, reward) in cases {
            let call = "C:\(problem.expression)\n"
            let episode = try await task.play(problem, with: ScriptedLines(call, answer))
            #expect(abs(episode.reward - reward) < 1e-12, "\(problem) answered \(answer.debugDescription)")
            #expect(!task.isSuccess(reward: episode.reward))
        }
    }

    @Test func invalidInputIsRefusedNamingTheOperand() async throws {
        let error = await #expect(throws: TaskError.self) {
            try await task.play(CalcProblem(-5, .add, 3), with: CalcExpert())
        }
        #expect(error?.description.contains("operand a is -5") == true)
        #expect(throws: TaskError.self) { try task.expert(for: CalcProblem(1, .add, 1_000_000_000)) }
        let sandbox = EpisodeSandbox(policy: try randomTinyPolicy())
        let outcome = try await sandbox.play(task.agent, input: CalcProblem(1, .add, 1_000_000_000))
        #expect(outcome.error?.contains("operand b is 1000000000") == true)
    }

    @Test func theAgentRecordsTwoModelCallsOnAGrowingTranscriptAndTheCalculator() async throws {
        let sandbox = EpisodeSandbox(policy: try randomTinyPolicy())
        let problems = try task.split(seed: 3, trainCount: 0, validationCount: 3).validation
        for problem in problems {
            let outcome = try await sandbox.play(task.agent, input: problem)
            #expect(outcome.error == nil)
            let calls = outcome.modelCalls
            try #require(calls.count == 2)
            #expect(Tokenizer.decode(calls[0].prompt) == "Q:\(problem.expression)\n")
            #expect(calls.allSatisfy { $0.maxTokens == "C:\(problem.expression)\n".utf8.count + 2 })
            expectWellFormedCalls(calls, contextLength: GPTConfig.tiny.contextLength, prefix: true)
            let tools = outcome.toolCalls
            try #require(tools.count == 1)
            #expect(tools[0].name == "calculator")
            #expect(tools[0].input == Tokenizer.decode(calls[0].response))
            // The second prompt is exactly the first, its response and the calculator's observation.
            #expect(calls[1].prompt == calls[0].prompt + calls[0].response + Tokenizer.encode(tools[0].output))
            // An untrained model does not get the answer.
            #expect(outcome.finalReward == 0)
        }
    }

    /// The demonstration is what supervised fine-tuning needs: a tiny model fitted to one demonstration's
    /// marked tokens then solves that problem through the agent, greedily.
    @Test func theDemonstrationTeachesTheAgentItsProblem() async throws {
        let problem = CalcProblem(58, .subtract, 716)
        let sample = try #require(try await task.demonstration(for: problem).samples.first)
        // A model much smaller than tiny, so the test is quick; memorising one episode needs little.
        let config = GPTConfig(contextLength: 64, embeddingSize: 32, layerCount: 1, headCount: 2)
        let model = try GPT(config: config, seed: 2)
        let optimizer = AdamW(model: model)
        let trained = Float(sample.trainable.filter { $0 }.count)
        let batch = try TrainingBatch(
            sequences: [sample.tokens], targetWeights: [sample.trainable.dropFirst().map { $0 ? 1 / trained : 0 }])
        var loss: Float = .infinity
        var steps = 0
        while loss > 0.02 && steps < 400 {
            model.zeroGradients()
            loss = try model.accumulateGradients(for: batch)
            optimizer.update(model, learningRate: 1e-2)
            steps += 1
        }
        let sandbox = EpisodeSandbox(policy: model.checkpoint())
        let outcome = try await sandbox.play(task.agent, input: problem, metadata: [RolloutMetadata.temperature: "0"])
        #expect(outcome.error == nil)
        #expect(outcome.finalReward == 1, "loss \(loss) after \(steps) steps")
        #expect(outcome.toolCalls.map(\.output) == ["R:-658\n"])
    }
}

extension CalcTaskTests {
    @Test func theImperfectDemonstratorMissesMostProductsAndSolvesTheRest() async throws {
        let validation = try task.split(seed: 11, trainCount: 0, validationCount: 300).validation
        var solved: [CalcProblem.Operation: Int] = [:]
        var total: [CalcProblem.Operation: Int] = [:]
        for problem in validation {
            let episode = try await task.play(problem, with: try task.imperfectDemonstrator(for: problem))
            total[problem.operation, default: 0] += 1
            if task.isSuccess(reward: episode.reward) { solved[problem.operation, default: 0] += 1 }
        }
        func rate(_ operation: CalcProblem.Operation) -> Double {
            Double(solved[operation, default: 0]) / Double(total[operation, default: 1])
        }
        #expect(rate(.add) == 1 && rate(.subtract) == 1)
        // One product in four copied from the calculator (measured: 29%), so a policy sampling like it
        // finds the right answer now and then.
        #expect((0.12...0.40).contains(rate(.multiply)), "products \(rate(.multiply))")
        let overall = Double(solved.values.reduce(0, +)) / Double(validation.count)
        let expert = try await successRate(task, validation) { problem, _ in try task.expert(for: problem) }
        // Measured: 76%, against the expert's 100%.
        #expect((0.68...0.82).contains(overall), "imperfect \(overall)")
        #expect(overall <= expert - 0.15)
    }

    @Test func theImperfectDemonstratorCallsTheCalculatorThenAnswersProductsFromItsHead() async throws {
        let problem = CalcProblem(123, .multiply, 45)
        let product = try await task.play(problem, with: task.imperfectDemonstrator(for: problem))
        #expect(product.toolCalls.map(\.output) == ["R:5535\n"])
        #expect(product.turns.map { Tokenizer.decode($0.response) } == ["C:123*45\n", "A:4000\n"])
        #expect(product.reward == 0)
        let sample = try #require(product.demonstration.samples.first)
        #expect(Tokenizer.decode(sample.tokens) == "Q:123*45\nC:123*45\nR:5535\nA:4000\n")
        #expect(Tokenizer.decode(zip(sample.tokens, sample.trainable).filter(\.1).map(\.0)) == "C:123*45\nA:4000\n")
        // Its guess is right only when the operands are already rounded, or on the products it copies.
        let copied = CalcProblem(123, .multiply, 44)
        #expect(BlindSpotLapse.playsRight(copied.expression))
        #expect(try await task.play(copied, with: task.imperfectDemonstrator(for: copied)).reward == 1)
        let rounded = CalcProblem(200, .multiply, 30)
        #expect(try await task.play(rounded, with: task.imperfectDemonstrator(for: rounded)).reward == 1)
        #expect(throws: TaskError.self) { try task.imperfectDemonstrator(for: CalcProblem(1, .add, 1_000_000_000)) }
    }

    @Test func theImperfectDemonstrationsHaveTheExpertsShape() async throws {
        for problem in try task.split(seed: 12, trainCount: 0, validationCount: 60).validation {
            let expert = try await task.demonstration(for: problem)
            let imperfect = try await task.demonstration(for: problem, by: .imperfect)
            let expertSample = try #require(expert.samples.first)
            let sample = try #require(imperfect.samples.first)
            #expect(imperfect.samples.count == 1 && sample.tokens.count <= task.contextLength)
            // The same transcript up to the answer: question, call, result; only the answer differs.
            let answerStart = try #require(sample.trainable.lastIndex(of: false)) + 1
            #expect(sample.tokens[..<answerStart] == expertSample.tokens[..<answerStart])
            #expect(sample.trainable[..<answerStart] == expertSample.trainable[..<answerStart])
            #expect(Tokenizer.decode(Array(sample.tokens[answerStart...])).hasPrefix("A:"))
            let guesses = problem.operation == .multiply && !BlindSpotLapse.playsRight(problem.expression)
            #expect((imperfect == expert) == !guesses)
        }
    }
}
