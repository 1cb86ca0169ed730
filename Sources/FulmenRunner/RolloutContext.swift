public import FulmenCore
import Foundation
import Instrumentation
import Synchronization

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
    /// Where this attempt's agent reaches the pool's OpenAI-compatible endpoint, when the pool serves one:
    /// a program handed these calls the policy model as this attempt (see ``CommandAgent``).
    public let endpoint: AttemptEndpoint?

    /// The episode's outermost scope: its root span, and the task as the sub-agent.
    let root: EpisodeScope
    /// Span ids an agent process chose (``recordForeign(_:)``), mapped to this attempt's own.
    private let foreignIDs = Mutex<[String: String]>([:])

    init(
        rollout: Rollout, attempt: AttemptID, resources: PinnedResources, llm: LLMClient, endpoint: AttemptEndpoint?,
        root: EpisodeScope
    ) {
        self.rollout = rollout
        self.attempt = attempt
        self.resources = resources
        self.llm = llm
        self.endpoint = endpoint
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

extension RolloutContext {
    /// Records spans an agent made outside this process (e.g. exported over OTLP by an agent process) under
    /// this attempt. Their ids and parents are the agent's own: each is given an id of the attempt's, and
    /// parents are kept across calls, so a tree sent in several batches stays one tree. A span whose parent
    /// the agent never sends hangs under the episode's root.
    public func recordForeign(_ spans: [Span]) {
        for span in spans {
            var recorded = span
            recorded.id = ownID(forForeign: span.id)
            recorded.parent = span.parent.map(ownID(forForeign:)) ?? EpisodeRecorder.rootID
            root.recorder.record(recorded)
        }
    }

    /// Runs `body` inside the agent's span `foreignParent` (an id as ``recordForeign(_:)`` takes): model calls
    /// made in it become that span's children, even before the agent sends the span itself.
    public func within<T>(
        foreignSpan foreignParent: String?, isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async rethrows -> T {
        let scope = foreignParent.map { root.nested(in: ownID(forForeign: $0)) } ?? root
        return try await scope.run(isolation: isolation, body)
    }

    /// This attempt's id for the agent's span `id`, made on first sight.
    private func ownID(forForeign id: String) -> String {
        foreignIDs.withLock { ids in
            if let own = ids[id] { return own }
            let own = root.recorder.makeID()
            ids[id] = own
            return own
        }
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
    var events: [SpanEvent] = []

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
                events: events, error: error.map { "\($0)" }))
    }
}
