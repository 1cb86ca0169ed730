/// One model call of an episode: the prompt the model was shown and the response it gave, as token ids.
public struct Turn: Codable, Sendable, Hashable {
    public var prompt: [Int32]
    public var response: [Int32]

    public init(prompt: [Int32], response: [Int32]) {
        self.prompt = prompt
        self.response = response
    }
}

/// An expert's episode as supervised training data, for the warm start no downloadable pretrained weights
/// can give: token sequences with, for each token, whether the model would have generated it.
///
/// Fine-tuning trains on the generated tokens only: token `i` of a sample is a target (predicted from the
/// tokens before it) exactly when `trainable[i]`; prompt and environment tokens are context. Turns whose
/// prompt extends the previous turn's prompt and response (a growing transcript, as in calc and sql) are
/// one sample holding the whole episode; a turn that starts afresh (a maze turn, whose prompt is the
/// current view only) starts a sample of its own. Every sample fits the context the episode's model calls
/// fit in.
public struct Demonstration: Codable, Sendable, Hashable {
    /// One token sequence to train on.
    public struct Sample: Codable, Sendable, Hashable {
        public var tokens: [Int32]
        /// One flag per token: true where the model made the token (a response), false for prompt and
        /// environment tokens.
        public var trainable: [Bool]

        public init(tokens: [Int32], trainable: [Bool]) {
            self.tokens = tokens
            self.trainable = trainable
        }
    }

    public var samples: [Sample]
    /// The episode's final reward, so a caller can keep only successful demonstrations.
    public var reward: Double

    /// The demonstration of an episode's turns, in the order the model calls were made.
    public init(turns: [Turn], reward: Double) {
        var samples: [Sample] = []
        for turn in turns {
            if let last = samples.last, turn.prompt.count >= last.tokens.count,
                turn.prompt.starts(with: last.tokens)
            {
                let observation = turn.prompt[last.tokens.count...]
                samples[samples.count - 1].tokens += observation + turn.response
                samples[samples.count - 1].trainable +=
                    Array(repeating: false, count: observation.count) + Array(repeating: true, count: turn.response.count)
            } else {
                samples.append(
                    Sample(
                        tokens: turn.prompt + turn.response,
                        trainable: Array(repeating: false, count: turn.prompt.count)
                            + Array(repeating: true, count: turn.response.count)))
            }
        }
        self.samples = samples
        self.reward = reward
    }
}
