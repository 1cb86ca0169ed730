public import FulmenCore
import Foundation
import Instrumentation

/// What an episode gets from Fulmen: the rollout it plays, its pinned resources, the policy model, and ways
/// to record tool calls and rewards. Everything recorded lands in the store under the current attempt.
///
/// Cancellation of the rollout (or the pool shutting down) cancels the Swift task running the episode:
/// long-running agents should check `Task.isCancelled` or call `try Task.checkCancellation()`.
public final class RolloutContext: Sendable {
    /// The rollout being played: its id, task, mode (train, val or test) and metadata.
    public let rollout: Rollout
    /// The attempt this episode is; spans are filed under it.
    public let attempt: AttemptID
    /// The resource snapshot the rollout pins.
    public let resources: PinnedResources
    /// The policy model. Every call is recorded with its token ids and log-probabilities.
    public let llm: LLMClient

    /// The episode's outermost scope: its root span, and the task as the sub-agent.
    let root: EpisodeScope

    init(rollout: Rollout, attempt: AttemptID, resources: PinnedResources, llm: LLMClient, root: EpisodeScope) {
        self.rollout = rollout
        self.attempt = attempt
        self.resources = resources
        self.llm = llm
        self.root = root
    }

    /// Runs a tool and records the call as a span (with its input and output as text, and its error
    /// if it throws). Model calls and spans made inside `body` become the call's children.
    public func tool<T>(
        _ name: String, input: String? = nil, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        var span = OpenSpan(name: SpanConvention.toolCall, in: root.current)
        span.attributes[SpanConvention.Attribute.tool] = .string(name)
        if let input { span.attributes[SpanConvention.Attribute.toolInput] = .string(input) }
        do {
            let output = try await span.scope.run(isolation: isolation, body)
            span.attributes[SpanConvention.Attribute.toolOutput] = .string(String(describing: output))
            span.finish()
            return output
        } catch {
            span.finish(error: error)
            throw error
        }
    }

    /// Records a reward. Emit as many as the episode has (each may have its own name); mark the one that
    /// judges the whole episode `final`. A reward returned from ``Agent/rollout(_:context:)`` is recorded
    /// as the final one.
    public func emitReward(_ value: Double, name: String = "reward", final: Bool = false) {
        var span = OpenSpan(name: SpanConvention.reward, in: root.current)
        span.attributes[SpanConvention.Attribute.rewardValue] = .double(value)
        span.attributes[SpanConvention.Attribute.rewardName] = .string(name)
        span.attributes[SpanConvention.Attribute.rewardFinal] = .bool(final)
        span.finish()
    }

    /// Runs `body` as the sub-agent `name`: its model calls are recorded under that name, so an experiment
    /// can train one sub-agent and leave the others fixed. Calls outside any sub-agent are the task's.
    public func subAgent<T>(
        _ name: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        try await root.current.acting(as: name).run(isolation: isolation, body)
    }
}

/// A span of an episode that has started and not yet ended.
struct OpenSpan {
    let id: String
    let name: String
    let start = Date()
    /// The scope to run the span's body in, so that what it records becomes the span's children.
    let scope: EpisodeScope
    private let parent: String
    var attributes: [String: SpanValue] = [:]

    /// Starts a span as a child of `enclosing`'s current span.
    init(name: String, in enclosing: EpisodeScope) {
        self.id = enclosing.recorder.makeID()
        self.name = name
        self.parent = enclosing.parent
        self.scope = enclosing.nested(in: id)
    }

    func finish(error: (any Error)? = nil) {
        scope.recorder.record(
            Span(
                id: id, parent: parent, name: name, start: start, end: Date(), attributes: attributes,
                error: error.map { "\($0)" }))
    }
}
