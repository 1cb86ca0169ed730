public import Foundation
public import FulmenModel
public import Tokenizers

/// A task bundled with Fulmen: a real environment, two scripted policies that play it without a model (for
/// demonstrations: an expert, and an imperfect demonstrator with systematic blind spots), a seeded
/// train/validation split, and a success measure: what a trainer needs of it. ``BundledTasks`` lists them by
/// name.
///
/// The agent that plays it with the policy model lives apart, in `FulmenAgents`, so a trainer links no runner.
/// The agent and the scripted policies run the same episode code (``TurnHost``), so the prompts a
/// demonstration shows are the prompts the model will see.
public protocol BundledTask: Sendable {
    /// One episode's input, as a rollout carries it (JSON).
    associatedtype Input: Codable & Sendable & Hashable
    /// The scripted policy that solves the task.
    associatedtype Expert: ScriptedPolicy
    /// The scripted policy that plays the task like the expert except for a systematic blind spot.
    associatedtype Imperfect: ScriptedPolicy

    /// The task's name: rollouts are enqueued under it and runner pools host its agent by it.
    var name: String { get }

    /// The context, in tokens, the agent's longest model call needs (prompt plus its token limit) for the
    /// inputs this task's splits draw: a policy model's context must be at least this long.
    var contextLength: Int { get }

    /// Draws `trainCount` training and `validationCount` validation inputs from `seed` (see ``TaskSplit``).
    /// - Throws: ``TaskError`` when the task's configuration is invalid or cannot give that many inputs.
    func split(seed: UInt64, trainCount: Int, validationCount: Int) throws(TaskError) -> TaskSplit<Input>

    /// The scripted expert for `input`.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the input is not one the task can play.
    func expert(for input: Input) throws(TaskError) -> Expert

    /// The imperfect demonstrator for `input`: the expert with a systematic blind spot (each task's type
    /// documents which, and how often it fails), so a warm start on its demonstrations leaves reinforcement
    /// learning something to learn. It writes the same kind of lines the expert writes, in the same episode.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the input is not one the task can play.
    func imperfectDemonstrator(for input: Input) throws(TaskError) -> Imperfect

    /// Plays one episode on `input` with a scripted policy instead of the model, through the same
    /// environment the agent uses, its turns in the token ids of `tokenizer` (the policy model's).
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the input is not one the task can play.
    func play<Policy: ScriptedPolicy>(
        _ input: Input, with policy: Policy, tokenizer: any TextTokenizer
    ) async throws -> ScriptedEpisode

    /// Whether an episode with this final reward solved its input.
    func isSuccess(reward: Double) -> Bool
}

extension BundledTask {
    /// The scripted policy `kind` names for `input`: ``expert(for:)`` or ``imperfectDemonstrator(for:)``.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the input is not one the task can play.
    public func demonstrator(_ kind: Demonstrator, for input: Input) throws(TaskError) -> any ScriptedPolicy {
        switch kind {
        case .expert: try expert(for: input)
        case .imperfect: try imperfectDemonstrator(for: input)
        }
    }

    /// Plays one episode on `input` with a scripted policy, in the GPT's byte tokens (see
    /// ``play(_:with:tokenizer:)``).
    public func play<Policy: ScriptedPolicy>(_ input: Input, with policy: Policy) async throws -> ScriptedEpisode {
        try await play(input, with: policy, tokenizer: ByteTokenizer())
    }

    /// The episode the demonstrator `kind` (the expert unless told) plays on `input`, as supervised
    /// training data in the token ids of `tokenizer` (the policy model's). An imperfect demonstrator's failed
    /// episodes are kept as they are: its mistakes are what a warm start on it should inherit.
    public func demonstration(
        for input: Input, by kind: Demonstrator = .expert, tokenizer: any TextTokenizer = ByteTokenizer()
    ) async throws -> Demonstration {
        try await play(input, with: demonstrator(kind, for: input), tokenizer: tokenizer).demonstration
    }

    /// A split with every input encoded as JSON, as rollouts carry them: for callers that know the task
    /// only by name (``BundledTasks``).
    public func encodedSplit(seed: UInt64, trainCount: Int, validationCount: Int) throws -> TaskSplit<Data> {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try split(seed: seed, trainCount: trainCount, validationCount: validationCount).map {
            try encoder.encode($0)
        }
    }

    /// The demonstration by `kind` (the expert unless told) on a JSON-encoded input (as
    /// ``encodedSplit(seed:trainCount:validationCount:)`` gives): for callers that know the task only by
    /// name, such as a trainer whose experiment names the demonstrator.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the JSON does not decode as this task's input
    ///   or the input is not one the task can play.
    public func demonstration(
        forEncoded input: Data, by kind: Demonstrator = .expert, tokenizer: any TextTokenizer = ByteTokenizer()
    ) async throws -> Demonstration {
        let decoded: Input
        do {
            decoded = try JSONDecoder().decode(Input.self, from: input)
        } catch {
            throw TaskError.invalidInput(task: name, reason: "the JSON does not decode as \(Input.self): \(error)")
        }
        return try await demonstration(for: decoded, by: kind, tokenizer: tokenizer)
    }
}
