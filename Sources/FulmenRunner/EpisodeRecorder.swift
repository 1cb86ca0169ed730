import FulmenCore
import Foundation
import Instrumentation
import Synchronization

/// Collects the finished spans of one episode until the pool uploads them.
///
/// Span ids are numbers counted per episode, so they are unique within the attempt. The episode's own span
/// (the root of its tree) has id `1`.
final class EpisodeRecorder: Sendable {
    private struct State {
        var finished: [Span] = []
        var nextID = 2
    }

    static let rootID = "1"

    private let state = Mutex(State())

    /// A fresh span id.
    func makeID() -> String {
        state.withLock { state in
            defer { state.nextID += 1 }
            return String(state.nextID)
        }
    }

    func record(_ span: Span) {
        state.withLock { $0.finished.append(span) }
    }

    /// The spans finished since the last call, oldest first.
    func takeFinished() -> [Span] {
        state.withLock { state in
            defer { state.finished.removeAll() }
            return state.finished
        }
    }
}

/// Where a span made now belongs: which episode records it and which span encloses it. It travels in the
/// task-local `InstrumentationContext`, so concurrent episodes never see each other's, and spans made with the
/// standard tracing API find their episode the same way Fulmen's own do.
struct EpisodeScope: Sendable {
    let recorder: EpisodeRecorder
    /// The id of the enclosing span.
    let parent: String
    /// The sub-agent on whose behalf model calls are made.
    let agent: String

    enum Key: InstrumentationContextKey {
        typealias Value = EpisodeScope
        static let nameOverride: String? = "fulmen.episode"
    }

    /// The scope of the calling task, if it runs inside an episode.
    static var current: EpisodeScope? { InstrumentationContext.current?[Key.self] }

    /// The task's current scope when it belongs to the same episode as this one, else this one: the
    /// calling task may have lost its task-locals (a detached task), or run inside another episode.
    var current: EpisodeScope {
        if let scope = EpisodeScope.current, scope.recorder === recorder { return scope }
        return self
    }

    /// This scope with `parent` as the enclosing span.
    func nested(in parent: String) -> EpisodeScope {
        EpisodeScope(recorder: recorder, parent: parent, agent: agent)
    }

    /// This scope with model calls made on behalf of the sub-agent `agent`.
    func acting(as agent: String) -> EpisodeScope {
        EpisodeScope(recorder: recorder, parent: parent, agent: agent)
    }

    /// A copy of `context` carrying this scope.
    func installed(in context: InstrumentationContext) -> InstrumentationContext {
        var context = context
        context[Key.self] = self
        return context
    }

    /// Runs `body` with this scope as the task's current one.
    func run<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async rethrows -> T {
        let context = installed(in: InstrumentationContext.current ?? .topLevel)
        return try await InstrumentationContext.$current.withValue(context, operation: body, isolation: isolation)
    }
}
