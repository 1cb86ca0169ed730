import FulmenModel
import FulmenCore
import Foundation
public import Tokenizers

/// How the policy model samples when a call does not say: read from the pinned `sampling` settings resource
/// (``ResourceName/sampling``), overridden per rollout by the metadata keys `fulmen.temperature`,
/// `fulmen.top_k` and `fulmen.top_p` (a trainer asks for greedy validation rollouts with a temperature of 0).
public struct SamplingSettings: Codable, Sendable, Hashable {
    /// 0 is greedy; the default is 1.
    public var temperature: Float?
    public var topK: Int?
    /// The default is 1 (no nucleus cut).
    public var topP: Float?

    public init(temperature: Float? = nil, topK: Int? = nil, topP: Float? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }
}

/// The answer of one model call.
public struct LLMResponse: Sendable, Hashable {
    /// Why generation ended.
    public enum FinishReason: String, Sendable, Hashable {
        /// The response ends with one of the call's stop sequences (which it keeps).
        case stop
        /// It reached the call's `maxTokens`.
        case length
        /// Prompt and response filled the model's context.
        case context
    }

    /// The generated token ids.
    public var tokens: [Int32]
    /// The log-probability of each generated token under the model.
    public var logProbabilities: [Float]
    public var finishReason: FinishReason
    /// The response as text, decoded by the model's tokenizer (bytes that end mid-character become U+FFFD).
    public var text: String
}

/// The policy model, as an episode calls it. Calls of concurrent episodes are batched into shared forward
/// passes; each is recorded as a span with its prompt and response token ids, the log-probabilities of the
/// chosen tokens, the weights version, the sampling settings and its latency.
public struct LLMClient: Sendable {
    let engine: PolicyEngine
    let resources: PinnedResources
    let rollout: Rollout
    let attempt: AttemptID
    let root: EpisodeScope

    /// Continues `prompt` (token ids) by up to `maxTokens` tokens, stopping early after any of `stop`.
    /// Sampling settings left `nil` come from the rollout's (see ``SamplingSettings``).
    /// - Throws: ``EpisodeError`` when the rollout pins no policy weights or the model refuses the call
    ///   (e.g. the prompt does not fit its context), and `CancellationError` when the episode is cancelled.
    public func generate(
        prompt: [Int32], maxTokens: Int, stop: [[Int32]] = [], temperature: Float? = nil, topK: Int? = nil,
        topP: Float? = nil
    ) async throws -> LLMResponse {
        try await generate(
            .tokens(prompt, stop: stop), maxTokens: maxTokens, temperature: temperature, topK: topK, topP: topP)
    }

    /// A call's prompt and stop sequences: token ids, or text the model's tokenizer encodes once the model is
    /// loaded (inside the call's span, so a call that fails to load is recorded too).
    private enum CallInput {
        case tokens([Int32], stop: [[Int32]])
        case text(String, stop: [String])
    }

    private func generate(
        _ input: CallInput, maxTokens: Int, temperature: Float?, topK: Int?, topP: Float?
    ) async throws -> LLMResponse {
        let scope = root.current
        var span = OpenSpan(name: SpanConvention.modelCall, in: scope)
        typealias Key = SpanConvention.Attribute
        span.attributes[Key.agent] = .string(scope.agent)
        span.attributes[Key.maxTokens] = .int(maxTokens)
        if case .tokens(let prompt, _) = input { span.attributes[Key.promptTokens] = .ints(prompt.map(Int.init)) }
        do {
            let defaults = try samplingDefaults()
            let sampling = SamplingParameters(
                temperature: temperature ?? defaults.temperature ?? 1, topK: topK ?? defaults.topK,
                topP: topP ?? defaults.topP ?? 1, seed: seed(for: span.id))
            span.attributes[Key.temperature] = .double(Double(sampling.temperature))
            if let topK = sampling.topK { span.attributes[Key.topK] = .int(topK) }
            span.attributes[Key.topP] = .double(Double(sampling.topP))
            span.attributes[Key.seed] = .int(Int(truncatingIfNeeded: sampling.seed))
            let weights = try weightsDescriptor()
            span.attributes[Key.weightsHash] = .string(weights.hash)
            if let version = resources.version { span.attributes[Key.weightsVersion] = .int(version) }
            let model = try await engine.model(for: weights)
            span.attributes[Key.model] = .string(model.policy.modelName)
            span.attributes[Key.adapter] = .bool(model.policy.isAdapter)
            let prompt: [Int32]
            let stop: [[Int32]]
            switch input {
            case .tokens(let tokens, let stops):
                (prompt, stop) = (tokens, stops)
            case .text(let text, let stops):
                let tokenizer = model.tokenizer
                prompt = tokenizer.encode(text, parsingSpecialTokens: false)
                stop = stops.map { tokenizer.encode($0, parsingSpecialTokens: false) }
                span.attributes[Key.promptTokens] = .ints(prompt.map(Int.init))
            }
            let request = GenerationRequest(
                prompt: prompt, maxNewTokens: maxTokens, sampling: sampling, stopSequences: stop)
            let scheduled = try await engine.generate(request, on: model)
            let tokens = scheduled.generation.tokens
            let response = LLMResponse(
                tokens: tokens, logProbabilities: scheduled.generation.logProbabilities,
                finishReason: LLMResponse.FinishReason(scheduled.generation.finishReason),
                text: (try? model.tokenizer.decode(tokens)) ?? "")
            span.attributes[Key.responseTokens] = .ints(response.tokens.map(Int.init))
            span.attributes[Key.logProbabilities] = .floats(response.logProbabilities)
            span.attributes[Key.finishReason] = .string(response.finishReason.rawValue)
            span.attributes[Key.queueSeconds] = .double(scheduled.queueSeconds)
            span.finish()
            return response
        } catch {
            span.finish(error: error)
            throw error
        }
    }

    /// Continues `prompt` (text, encoded by the model's tokenizer, special tokens spelled out taken as text) by up
    /// to `maxTokens` tokens, stopping early after any of `stop`. See
    /// ``generate(prompt:maxTokens:stop:temperature:topK:topP:)``.
    public func generate(
        _ prompt: String, maxTokens: Int, stop: [String] = [], temperature: Float? = nil, topK: Int? = nil,
        topP: Float? = nil
    ) async throws -> LLMResponse {
        try await generate(
            .text(prompt, stop: stop), maxTokens: maxTokens, temperature: temperature, topK: topK, topP: topP)
    }

    /// What turns text into the rollout's policy model's prompts and back.
    public struct ModelText: Sendable {
        public let tokenizer: any TextTokenizer
        /// The model's own chat template, or why Fulmen cannot render it; nil for a GPT, which has none.
        public let chatTemplate: Result<ChatTemplate, ChatTemplateError>?
    }

    /// The tokenizer and chat template of the rollout's policy model (loading the model if no call has yet).
    /// - Throws: ``EpisodeError`` when the rollout pins no policy weights or they do not load.
    public func modelText() async throws -> ModelText {
        let policy = try await engine.model(for: weightsDescriptor()).policy
        return ModelText(tokenizer: policy.tokenizer, chatTemplate: policy.chatTemplate)
    }

    /// The tokenizer of the rollout's policy model (see ``modelText()``).
    public func tokenizer() async throws -> any TextTokenizer {
        try await modelText().tokenizer
    }

    /// The pinned policy weights.
    private func weightsDescriptor() throws(EpisodeError) -> ResourceDescriptor {
        let weights = try resources.descriptor(ResourceName.policy)
        guard weights.kind == .weights else {
            throw EpisodeError.invalidResource(
                name: ResourceName.policy, reason: "it is a \(weights.kind.rawValue) resource, not weights")
        }
        return weights
    }

    /// The rollout's sampling settings: its metadata over the pinned settings resource.
    private func samplingDefaults() throws(EpisodeError) -> SamplingSettings {
        var settings =
            resources.contains(ResourceName.sampling)
            ? try resources.settings(ResourceName.sampling, as: SamplingSettings.self) : SamplingSettings()
        func metadata<T: LosslessStringConvertible>(_ key: String, as: T.Type) throws(EpisodeError) -> T? {
            guard let text = rollout.metadata[key] else { return nil }
            guard let value = T(text) else {
                throw .invalidResource(name: "metadata \(key)", reason: "'\(text)' is not a valid \(T.self)")
            }
            return value
        }
        settings.temperature = try metadata(RolloutMetadata.temperature, as: Float.self) ?? settings.temperature
        settings.topK = try metadata(RolloutMetadata.topK, as: Int.self) ?? settings.topK
        settings.topP = try metadata(RolloutMetadata.topP, as: Float.self) ?? settings.topP
        return settings
    }

    /// A sampling seed of its own for each call of each attempt: a retried attempt samples afresh, and the
    /// samples of a group of rollouts differ.
    private func seed(for spanID: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in attempt.rawValue.utf8 + [0] + spanID.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

extension LLMResponse.FinishReason {
    init(_ reason: Generation.FinishReason) {
        switch reason {
        case .stopSequence: self = .stop
        case .maxNewTokens: self = .length
        case .contextLength: self = .context
        }
    }
}
