public import FulmenCore

/// Why the runner could not play an episode, or a call inside one failed. Its description names what
/// was wrong; the attempt fails with it.
public enum EpisodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pool hosts no agent for the rollout's task.
    case unknownTask(String, hosted: [String])
    /// The rollout's input did not decode as the agent's input type.
    case undecodableInput(task: String, reason: String)
    /// The rollout pins no resource snapshot, or its snapshot lacks a resource the episode asked for.
    case missingResource(name: String, snapshot: ResourceSnapshotID?)
    /// A resource exists but its content is not what the episode asked for.
    case invalidResource(name: String, reason: String)
    /// A prompt leaves no room in the model's context to generate.
    case promptTooLong(tokens: Int, contextLength: Int)
    /// The policy model refused a call.
    case model(String)

    public var description: String {
        switch self {
        case .unknownTask(let task, let hosted):
            "this runner pool hosts no agent for task '\(task)' (it hosts: \(hosted.joined(separator: ", ")))"
        case .undecodableInput(let task, let reason):
            "the input of this '\(task)' rollout does not decode as the agent's input: \(reason)"
        case .missingResource(let name, let snapshot?):
            "resource snapshot \(snapshot) has no resource named '\(name)'"
        case .missingResource(let name, nil):
            "the rollout pins no resource snapshot, so it has no resource named '\(name)'"
        case .invalidResource(let name, let reason):
            "resource '\(name)': \(reason)"
        case .promptTooLong(let tokens, let contextLength):
            "policy model: the prompt has \(tokens) tokens; the context holds \(contextLength), leaving no "
                + "room to generate"
        case .model(let message):
            "policy model: \(message)"
        }
    }
}
