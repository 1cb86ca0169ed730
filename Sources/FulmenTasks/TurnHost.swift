public import FulmenModel
public import Tokenizers

/// Where an episode's turns go. Each task's episode logic is written once against this, and played either
/// by the policy model through a rollout context (`ModelHost`, in the task's agent, in FulmenAgents) or by a scripted
/// policy (``ScriptedHost``, for experts, demonstrations and baselines), so a demonstration shows exactly
/// the prompts the model will see.
package protocol TurnHost {
    /// The policy model's tokenizer, which turns the episode's text into the prompts the model sees.
    var tokenizer: any TextTokenizer { get }
    /// One model call: a response to `prompt` of at most `maxTokens` tokens, ending after the first "\n".
    mutating func respond(to prompt: [Int32], maxTokens: Int) async throws -> [Int32]
    /// Runs one environment step and records it as a tool call; returns its observation.
    mutating func tool(_ name: String, input: String, _ body: () async throws -> String) async throws -> String
    /// Records an intermediate reward (the final one is the episode's return value).
    mutating func emitReward(_ value: Double, name: String)
}

extension TurnHost {
    /// The token ids of `text` (special tokens spelled out stay text).
    package func encode(_ text: String) -> [Int32] { tokenizer.encode(text, parsingSpecialTokens: false) }

    /// The text of `ids`; an id the tokenizer does not know (which no model emits) reads as U+FFFD.
    package func decode(_ ids: [Int32]) -> String {
        (try? tokenizer.decode(ids)) ?? "\u{FFFD}"
    }

    /// The stop sequence of every bundled task's model calls: a response is one line.
    package var lineEnd: [Int32] { encode("\n") }
}

/// Plays turns with a scripted policy, and keeps what happened.
struct ScriptedHost<Policy: ScriptedPolicy>: TurnHost {
    var policy: Policy
    let tokenizer: any TextTokenizer
    var turns: [Turn] = []
    var toolCalls: [ScriptedEpisode.ToolCall] = []
    var rewards: [ScriptedEpisode.Reward] = []

    init(policy: Policy, tokenizer: any TextTokenizer = ByteTokenizer()) {
        self.policy = policy
        self.tokenizer = tokenizer
    }

    mutating func respond(to prompt: [Int32], maxTokens: Int) async throws -> [Int32] {
        var response = Array(encode(policy.respond(to: decode(prompt))).prefix(maxTokens))
        if let end = response.firstIndex(where: { decode([$0]).contains("\n") }) { response.removeSubrange((end + 1)...) }
        turns.append(Turn(prompt: prompt, response: response))
        return response
    }

    mutating func tool(_ name: String, input: String, _ body: () async throws -> String) async throws -> String {
        let output = try await body()
        toolCalls.append(.init(name: name, input: input, output: output))
        return output
    }

    mutating func emitReward(_ value: Double, name: String) {
        rewards.append(.init(name: name, value: value))
    }

    /// The episode played so far, ended with `reward`.
    func episode(reward: Double) -> ScriptedEpisode {
        ScriptedEpisode(turns: turns, toolCalls: toolCalls, intermediateRewards: rewards, reward: reward)
    }
}
