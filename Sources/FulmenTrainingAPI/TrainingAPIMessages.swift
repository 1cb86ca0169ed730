import FulmenCore

// The training API's requests and answers: the JSON bodies of its HTTP face (snake_case keys, as OpenAI's and
// Tinker's APIs write them) and the arguments and results of its distributed face (`TrainingService`).

/// One token sequence to learn from: a prompt, the response after it, and what the loss needs of it.
public struct APISample: Codable, Sendable {
    public var prompt: [Int32]
    public var response: [Int32]
    /// Per response token, its log-probability when it was sampled (the policy loss's ratio needs them).
    public var logprobs: [Float]?
    /// Per response token, whether it is trained on; all true when left out.
    public var trainable: [Bool]?
    /// The sample's advantage (the policy loss).
    public var advantage: Double?

    public init(prompt: [Int32], response: [Int32], logprobs: [Float]? = nil, trainable: [Bool]? = nil, advantage: Double? = nil) {
        self.prompt = prompt
        self.response = response
        self.logprobs = logprobs
        self.trainable = trainable
        self.advantage = advantage
    }
}

/// `POST /v1/sample`: rollouts of training (or validation) inputs played by the runners with the current
/// weights, `group_size` per input.
public struct SampleRequest: Codable, Sendable {
    /// How many inputs, drawn at random (seeded by the step) from the split.
    public var problems: Int
    public var groupSize: Int
    /// The runners' sampling temperature (0: greedy).
    public var temperature: Double?
    /// `train` (the default) or `validation`.
    public var split: String?

    public init(problems: Int, groupSize: Int, temperature: Double? = nil, split: String? = nil) {
        self.problems = problems
        self.groupSize = groupSize
        self.temperature = temperature
        self.split = split
    }
}

public struct SampleResponse: Codable, Sendable {
    public struct Rollout: Codable, Sendable {
        public var id: String
        public var status: String
        /// The episode's final reward; nil when the attempt failed or recorded none.
        public var reward: Double?
        /// The episode's model calls as samples (prompt, response, log-probabilities, trainable), as the
        /// experiment's adapter makes them.
        public var samples: [APISample]
        /// Why the episode gave no sample, when it gave none.
        public var unusable: String?
    }
    public struct Group: Codable, Sendable {
        /// The input's index in its split.
        public var input: Int
        public var rollouts: [Rollout]
    }
    public var weightsVersion: Int
    public var groups: [Group]
}

/// `POST /v1/forward_backward`: adds a batch's gradient.
public struct ForwardBackwardRequest: Codable, Sendable {
    /// `policy` (the clipped policy-gradient objective, as GRPO's, on each sample's advantage) or `supervised`
    /// (the mean cross-entropy of the trainable response tokens).
    public var loss: String
    public var samples: [APISample]
    /// The policy loss's clip range ε (0.2 when left out).
    public var clipRange: Double?
    /// The policy loss's KL penalty toward the phase's starting weights (0 when left out).
    public var klCoefficient: Double?

    public init(loss: String, samples: [APISample], clipRange: Double? = nil, klCoefficient: Double? = nil) {
        self.loss = loss
        self.samples = samples
        self.clipRange = clipRange
        self.klCoefficient = klCoefficient
    }
}

public struct ForwardBackwardResponse: Codable, Sendable {
    public var loss: Float
    /// Samples that took part (a policy loss leaves out those with advantage 0).
    public var samples: Int
    public var clippedFraction: Double?
    public var kl: Double?
}

/// `POST /v1/optim_step`: applies the gradient added since the last step, then publishes the new weights.
public struct OptimStepRequest: Codable, Sendable {
    public var learningRate: Double
    public var maxGradientNorm: Double?

    public init(learningRate: Double, maxGradientNorm: Double? = nil) {
        self.learningRate = learningRate
        self.maxGradientNorm = maxGradientNorm
    }
}

public struct OptimStepResponse: Codable, Sendable {
    /// The experiment's step this was.
    public var step: Int
    /// The gradient's norm before clipping.
    public var gradientNorm: Float
    /// The snapshot holding the new weights, which the next samples pin.
    public var weightsVersion: Int
}

/// `POST /v1/save_state` and `/v1/load_state`: the weights (a safetensors checkpoint) and, beside them, the
/// optimiser's state.
public struct StateRequest: Codable, Sendable {
    public var path: String

    public init(path: String) {
        self.path = path
    }
}

/// `GET /v1/state`.
public struct SessionState: Codable, Sendable {
    public var experiment: String
    public var task: String
    public var step: Int
    public var firstStep: Int
    public var lastStep: Int
    public var weightsVersion: Int
}

/// `POST /v1/evaluate`.
public struct EvaluationResponse: Codable, Sendable {
    public var step: Int
    /// Greedy validation success on `evaluation.problems` inputs.
    public var success: Double
}

/// A refusal: `{"error": {"message": …, "field": …}}`.
struct APIErrorBody: Codable, Sendable {
    struct Detail: Codable, Sendable {
        var message: String
        var field: String?
    }
    var error: Detail
}
