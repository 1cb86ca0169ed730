import FulmenModel

/// Where an episode's turns go. Each task's episode logic is written once against this, and played either
/// by the policy model through a rollout context (`ModelHost`, in the task's agent, in FulmenAgents) or by a scripted
/// policy (``ScriptedHost``, for experts, demonstrations and baselines), so a demonstration shows exactly
/// the prompts the model will see.
package protocol TurnHost {
    /// One model call: a response to `prompt` of at most `maxTokens` tokens, ending after the first "\n".
    mutating func respond(to prompt: [Int32], maxTokens: Int) async throws -> [Int32]
    /// Runs one environment step and records it as a tool call; returns its observation.
    mutating func tool(_ name: String, input: String, _ body: () async throws -> String) async throws -> String
    /// Records an intermediate reward (the final one is the episode's return value).
    mutating func emitReward(_ value: Double, name: String)
}

/// The stop sequence of every bundled task's model calls: a response is one line.
package let lineEnd = Tokenizer.encode("\n")

/// Plays turns with a scripted policy, and keeps what happened.
struct ScriptedHost<Policy: ScriptedPolicy>: TurnHost {
    var policy: Policy
    var turns: [Turn] = []
    var toolCalls: [ScriptedEpisode.ToolCall] = []
    var rewards: [ScriptedEpisode.Reward] = []

    init(policy: Policy) {
        self.policy = policy
    }

    mutating func respond(to prompt: [Int32], maxTokens: Int) async throws -> [Int32] {
        var response = Array(Tokenizer.encode(policy.respond(to: Tokenizer.decode(prompt))).prefix(maxTokens))
        if let end = response.firstIndex(of: lineEnd[0]) { response.removeSubrange((end + 1)...) }
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
