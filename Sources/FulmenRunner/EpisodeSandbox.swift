public import FulmenCore
import Foundation

/// Plays episodes of an agent in this process, without a store: for trying an agent out against a
/// checkpoint, and for tests. Episodes see the same context, model client and tracing as in a runner pool;
/// their spans are returned instead of uploaded.
public struct EpisodeSandbox: Sendable {
    /// What one sandboxed episode did.
    public struct Outcome: Sendable {
        /// The episode's error, when it failed.
        public var error: String?
        /// Its spans, in the order they finished (the episode's root span last).
        public var spans: [Span]

        /// The last reward marked final, if the episode gave one.
        public var finalReward: Double? {
            for span in spans.reversed() where span.name == SpanConvention.reward {
                if case .bool(true) = span.attributes[SpanConvention.Attribute.rewardFinal],
                    case .double(let value) = span.attributes[SpanConvention.Attribute.rewardValue]
                {
                    return value
                }
            }
            return nil
        }
    }

    private let engine: PolicyEngine
    private let snapshot: ResourceSnapshot
    /// The sandbox's episodes while they play, for a ``PolicyEndpoint``-style server to find (as a pool's).
    public let attempts = AttemptDirectory()

    /// - Parameters:
    ///   - policy: the policy's weights resource (`TrainablePolicy.weights()`: a GPT's checkpoint, or a pretrained
    ///     model's weights or adapters), or `nil` for none.
    ///   - resources: other resources the episodes see, such as prompt templates or sampling settings.
    public init(
        policy: [UInt8]?, resources: [String: ResourceContent] = [:], inference: InferenceSettings = InferenceSettings()
    ) {
        var descriptors: [String: ResourceDescriptor] = [:]
        var contents: [String: Data] = [:]
        for (name, content) in resources {
            let key = "sandbox:\(name)"
            descriptors[name] = ResourceDescriptor(
                kind: content.kind, hash: key, size: content.data.count,
                inline: content.kind == .weights ? nil : content.data)
            contents[key] = content.data
        }
        if let policy {
            let key = "sandbox:\(ResourceName.policy)"
            descriptors[ResourceName.policy] = ResourceDescriptor(
                kind: .weights, hash: key, size: policy.count, inline: nil)
            contents[key] = Data(policy)
        }
        snapshot = ResourceSnapshot(id: 1, createdAt: Date(), resources: descriptors)
        engine = PolicyEngine(settings: inference) { [contents] hash in
            guard let data = contents[hash] else { throw EpisodeError.missingResource(name: hash, snapshot: 1) }
            return data
        }
        FulmenTracer.install()
    }

    /// Plays one episode of `agent` on `input`.
    public func play<A: Agent>(
        _ agent: A, input: A.Input, mode: RolloutMode = .train, metadata: [String: String] = [:],
        attempt: AttemptID = "sandbox/attempt-1"
    ) async throws -> Outcome where A.Input: Encodable {
        let now = Date()
        let rollout = Rollout(
            id: "sandbox", task: agent.task, input: try JSONEncoder().encode(input), mode: mode,
            resources: snapshot.id, config: RolloutConfig(), metadata: metadata, experiment: nil, status: .running,
            attempts: 1, enqueuedAt: now, updatedAt: now, settledAt: nil)
        let episode = Episode(
            agent: HostedAgent(agent), rollout: rollout, attempt: attempt,
            resources: PinnedResources(snapshot: snapshot), engine: engine, directory: attempts)
        let error: String?
        switch await episode.play() {
        case .succeeded: error = nil
        case .failed(let message): error = message
        case .cancelled: throw CancellationError()
        }
        return Outcome(error: error, spans: episode.recorder.takeFinished())
    }

    /// What the sandbox's model has done so far.
    public var inferenceStatistics: InferenceStatistics { engine.inferenceStatistics }
}
