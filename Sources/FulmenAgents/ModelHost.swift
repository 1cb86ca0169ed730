import FulmenModel
import FulmenRunner
import FulmenTasks
import Tokenizers

/// Plays turns with the policy model of a rollout; every call and step becomes a span.
struct ModelHost: TurnHost {
    let context: RolloutContext
    let tokenizer: any TextTokenizer

    /// A host for `context`'s episode, speaking its policy model's tokenizer.
    /// - Throws: when the rollout pins no policy weights or they do not load.
    init(context: RolloutContext) async throws {
        self.context = context
        tokenizer = try await context.llm.tokenizer()
    }

    func respond(to prompt: [Int32], maxTokens: Int) async throws -> [Int32] {
        try await context.llm.generate(prompt: prompt, maxTokens: maxTokens, stop: [lineEnd]).tokens
    }

    func tool(_ name: String, input: String, _ body: () async throws -> String) async throws -> String {
        try await context.tool(name, input: input, body)
    }

    func emitReward(_ value: Double, name: String) {
        context.emitReward(value, name: name, final: false)
    }
}

