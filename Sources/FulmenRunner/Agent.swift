import FulmenCore
import Foundation

/// An agent Fulmen can run and improve: given one task input, it plays an episode and says how well it went.
///
/// Everything the episode needs from Fulmen comes through the ``RolloutContext``: the pinned resources, the
/// policy model (`context.llm`), tool-call recording and rewards. A runner pool runs many episodes of one agent
/// at once, so an agent must not keep per-episode state in itself.
///
/// ```swift
/// struct Calculator: Agent {
///     let task = "calc"
///     func rollout(_ input: Problem, context: RolloutContext) async throws -> Double? {
///         let answer = try await context.llm.generate("Q:\(input.question)\n", maxTokens: 16, stop: ["\n"])
///         return answer.text == "A:\(input.answer)\n" ? 1 : 0
///     }
/// }
/// ```
public protocol Agent: Sendable {
    /// The task input, decoded from the rollout's JSON input.
    associatedtype Input: Decodable & Sendable

    /// The task this agent runs: runner pools claim rollouts enqueued under this name.
    var task: String { get }

    /// Plays one episode.
    ///
    /// - Returns: the episode's final reward, or `nil` when the agent emitted its rewards itself with
    ///   ``RolloutContext/emitReward(_:name:final:)`` (or has none).
    /// - Throws: any error, which fails the attempt with the error's description. Cancellation (of the
    ///   rollout, or the pool shutting down) arrives as Swift task cancellation.
    func rollout(_ input: Input, context: RolloutContext) async throws -> Double?
}

/// An agent behind a type-erased face, as a pool holds its agents.
struct HostedAgent: Sendable {
    let task: String
    private let play: @Sendable (Data, RolloutContext) async throws -> Double?

    init<A: Agent>(_ agent: A) {
        task = agent.task
        play = { data, context in
            let input: A.Input
            do {
                input = try JSONDecoder().decode(A.Input.self, from: data)
            } catch {
                throw EpisodeError.undecodableInput(task: agent.task, reason: "\(error)")
            }
            return try await agent.rollout(input, context: context)
        }
    }

    func rollout(_ input: Data, context: RolloutContext) async throws -> Double? {
        try await play(input, context)
    }
}
