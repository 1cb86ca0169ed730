import FulmenCore
import Foundation

/// How an episode ended.
enum EpisodeEnd: Sendable, Equatable {
    case succeeded
    case failed(String)
    /// Cancelled from outside (the rollout was cancelled, or the pool is shutting down): nothing to report.
    case cancelled
}

/// Plays one episode of a hosted agent: installs its scope so everything recorded inside lands under it,
/// records the returned reward as the final one, and closes the episode's root span.
struct Episode: Sendable {
    let agent: HostedAgent
    let rollout: Rollout
    let attempt: AttemptID
    let resources: PinnedResources
    let engine: PolicyEngine
    let directory: AttemptDirectory
    let recorder = EpisodeRecorder()

    func play() async -> EpisodeEnd {
        let start = Date()
        let root = EpisodeScope(recorder: recorder, parent: EpisodeRecorder.rootID, agent: rollout.task)
        let llm = LLMClient(engine: engine, resources: resources, rollout: rollout, attempt: attempt, root: root)
        let context = RolloutContext(
            rollout: rollout, attempt: attempt, resources: resources, llm: llm,
            endpoint: directory.access(rollout: rollout.id, attempt: attempt), root: root)
        directory.open(context)
        let end: EpisodeEnd
        do {
            let reward = try await root.run { try await agent.rollout(rollout.input, context: context) }
            if let reward { context.emitReward(reward, final: true) }
            end = .succeeded
        } catch where Task.isCancelled {
            end = .cancelled
        } catch {
            end = .failed("\(error)")
        }
        directory.close(attempt)
        var error: String?
        switch end {
        case .succeeded: break
        case .failed(let message): error = message
        case .cancelled: error = "cancelled"
        }
        recorder.record(
            Span(
                id: EpisodeRecorder.rootID, name: SpanConvention.episode, start: start, end: Date(),
                attributes: [SpanConvention.Attribute.task: .string(rollout.task)], error: error))
        return end
    }
}
