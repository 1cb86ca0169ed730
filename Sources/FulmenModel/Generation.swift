/// One sequence to continue.
public struct GenerationRequest: Sendable, Hashable {
    /// The tokens to continue; at least one, and fewer than the context length.
    public var prompt: [Int32]
    /// The most tokens to add.
    public var maxNewTokens: Int
    /// How to draw each token.
    public var sampling: SamplingParameters
    /// Generation stops as soon as the new tokens end with one of these (the stop sequence is kept in the output).
    public var stopSequences: [[Int32]]

    /// Creates a request.
    public init(
        prompt: [Int32], maxNewTokens: Int, sampling: SamplingParameters = SamplingParameters(),
        stopSequences: [[Int32]] = []
    ) {
        self.prompt = prompt
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.stopSequences = stopSequences
    }
}

/// The continuation of one ``GenerationRequest``.
public struct Generation: Sendable, Hashable {
    /// Why generation ended.
    public enum FinishReason: Sendable, Hashable {
        /// The new tokens ended with one of the request's stop sequences.
        case stopSequence
        /// `maxNewTokens` tokens were generated.
        case maxNewTokens
        /// Prompt and new tokens filled the model's context.
        case contextLength
    }

    /// The new tokens, without the prompt.
    public var tokens: [Int32]
    /// For each new token, its log-probability under the model's plain distribution (temperature 1, no top-k or
    /// top-p), which ``GPT/logProbabilities(of:)`` reproduces for importance ratios.
    public var logProbabilities: [Float]
    /// Why generation ended.
    public var finishReason: FinishReason

    /// Creates a result; each model family's generation makes them.
    package init(tokens: [Int32], logProbabilities: [Float], finishReason: FinishReason) {
        self.tokens = tokens
        self.logProbabilities = logProbabilities
        self.finishReason = finishReason
    }
}

extension Generation {
    /// Records a newly sampled token, and answers whether generation ends with it: the new tokens end with one of
    /// `request`'s stop sequences, reach its `maxNewTokens`, or the sequence has filled its context (`contextFull`).
    /// Sets ``finishReason`` when it ends. Both model families' generation loops call it after sampling.
    package mutating func record(
        _ token: Int32, logProbability: Float, for request: GenerationRequest, contextFull: Bool
    ) -> Bool {
        tokens.append(token)
        logProbabilities.append(logProbability)
        if request.stopSequences.contains(where: { !$0.isEmpty && tokens.ends(with: $0) }) {
            finishReason = .stopSequence
        } else if tokens.count >= request.maxNewTokens {
            finishReason = .maxNewTokens
        } else if contextFull {
            finishReason = .contextLength
        } else {
            return false
        }
        return true
    }
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
