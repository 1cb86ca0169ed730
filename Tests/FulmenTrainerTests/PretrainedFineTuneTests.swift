import FulmenLlama
import FulmenModel
import FulmenPolicy
import FulmenTrainer
import ModelTestSupport
import Testing
import Tokenizers

/// A LoRA fine-tune of SmolLM2-135M-Instruct on a few hundred chat examples, through the trainer's own
/// `forwardBackward` / `optimStep` and served as a runner serves it: asked arithmetic questions with no example of the
/// calculator protocol, the base model answers in prose; after one pass over 192 examples it calls the calculator.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct PretrainedFineTuneTests {
    static let system = "Use the calculator."

    /// A question and the reply the examples teach, drawn from `random`.
    static func problem(_ random: inout SeededRandom) -> (question: String, call: String) {
        let a = 10 + Int(random.next() % 990)
        let b = 10 + Int(random.next() % 90)
        let op = ["+", "-", "*"][Int(random.next() % 3)]
        return ("What is \(a) \(op) \(b)?", "CALC: \(a)\(op)\(b)")
    }

    @Test func aLoRAFineTuneOnChatExamplesTeachesTheCalculatorFormat() async throws {
        let seed: UInt64 = 2026
        print("PretrainedFineTuneTests seed \(seed)")
        var random = SeededRandom(seed: seed)
        let files = try PretrainedModelFiles.open(path: try RealModel.path())
        let template = try files.chatTemplate.get()
        let tokenizer = files.tokenizer
        func prompt(_ question: String) throws -> [Int32] {
            tokenizer.encode(
                try template.render([.system(Self.system), .user(question)], addGenerationPrompt: true),
                parsingSpecialTokens: true)
        }
        let examples = try (0..<192).map { _ in
            let (question, call) = Self.problem(&random)
            return SupervisedSample(
                prompt: try prompt(question), response: tokenizer.encode(call + "<|im_end|>", parsingSpecialTokens: true))
        }
        let heldOut = (0..<12).map { _ in Self.problem(&random) }

        let choice = try PolicyModelChoice(
            name: "smollm2-135m-instruct", lora: LoRAConfig(rank: 8, alpha: 16, targets: [.query, .value]))
        let trainer = try await PolicyTrainer.make(choice, seed: seed, threads: 2, label: "test.fine-tune")
        let loader = PolicyLoader(threads: 2)
        /// The served policy's greedy replies to the held-out questions.
        func replies() async throws -> [String] {
            let served = try loader.load(weights: try await trainer.checkpoint())
            let requests = try heldOut.map {
                GenerationRequest(
                    prompt: try prompt($0.question), maxNewTokens: 16, sampling: SamplingParameters(temperature: 0),
                    stopSequences: [[2]])
            }
            return try served.generate(requests).map { try tokenizer.decode($0.tokens, skippingSpecialTokens: true) }
        }
        let before = try await replies()
        var losses: [Float] = []
        for start in stride(from: 0, to: examples.count, by: 16) {
            losses.append(try await trainer.forwardBackward(Array(examples[start..<(start + 16)])).loss)
            await trainer.optimStep(learningRate: 3e-3)
        }
        let after = try await replies()
        let calledBefore = before.filter { $0.hasPrefix("CALC:") }.count
        let exactAfter = zip(after, heldOut).filter { $0 == $1.call }.count
        print("fine-tune: loss \(losses.first!) -> \(losses.last!); held-out replies that call the calculator "
            + "\(calledBefore)/12 before, exact calls \(exactAfter)/12 after; e.g. \(before[0].debugDescription) -> \(after[0].debugDescription)")
        #expect(losses.last! < 0.3 * losses.first!)
        #expect(calledBefore <= 2)
        #expect(exactAfter >= 9)
    }
}
