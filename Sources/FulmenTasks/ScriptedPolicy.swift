/// Something other than the policy model that plays a task's episodes: a task's scripted expert, or a
/// baseline such as a random policy. It sees each prompt as the model would, as text, and answers with
/// the text the model should have written.
///
/// Its responses are held to the model's rules: cut after the first line end (every bundled task stops
/// generation on "\n") and to the call's token limit.
public protocol ScriptedPolicy {
    /// The response to one model call's prompt.
    mutating func respond(to prompt: String) -> String
}

/// What an episode played by a ``ScriptedPolicy`` did: each model call, each tool call and each reward.
public struct ScriptedEpisode: Sendable, Hashable {
    /// A tool call, as the agent records it in a tool span.
    public struct ToolCall: Sendable, Hashable {
        public var name: String
        public var input: String
        public var output: String
    }

    /// A reward emitted during the episode (not the final one), such as a maze step penalty.
    public struct Reward: Sendable, Hashable {
        public var name: String
        public var value: Double
    }

    public var turns: [Turn]
    public var toolCalls: [ToolCall]
    public var intermediateRewards: [Reward]
    /// The final reward, as the agent returns it.
    public var reward: Double

    /// The final reward plus every intermediate one.
    public var totalReward: Double { intermediateRewards.reduce(reward) { $0 + $1.value } }

    /// The episode as supervised training data.
    public var demonstration: Demonstration { Demonstration(turns: turns, reward: reward) }
}
