import FulmenCore

// The JSON bodies of the training API (snake_case keys, as OpenAI's and Tinker's APIs write them).

/// One token sequence to learn from: a prompt, the response after it, and what the loss needs of it.
struct APISample: Codable, Sendable {
    var prompt: [Int32]
    var response: [Int32]
    /// Per response token, its log-probability when it was sampled (the policy loss's ratio needs them).
    var logprobs: [Float]?
    /// Per response token, whether it is trained on; all true when left out.
    var trainable: [Bool]?
    /// The sample's advantage (the policy loss).
    var advantage: Double?
}

/// `POST /v1/sample`: rollouts of training (or validation) inputs played by the runners with the current
/// weights, `group_size` per input.
struct SampleRequest: Codable, Sendable {
    /// How many inputs, drawn at random (seeded by the step) from the split.
    var problems: Int
    var groupSize: Int
    /// The runners' sampling temperature (0: greedy).
    var temperature: Double?
    /// `train` (the default) or `validation`.
    var split: String?
}

struct SampleResponse: Codable, Sendable {
    struct Rollout: Codable, Sendable {
        var id: String
        var status: String
        /// The episode's final reward; nil when the attempt failed or recorded none.
        var reward: Double?
        /// The episode's model calls as samples (prompt, response, log-probabilities, trainable), as the
        /// experiment's adapter makes them.
        var samples: [APISample]
        /// Why the episode gave no sample, when it gave none.
        var unusable: String?
    }
    struct Group: Codable, Sendable {
        /// The input's index in its split.
        var input: Int
        var rollouts: [Rollout]
    }
    var weightsVersion: Int
    var groups: [Group]
}

/// `POST /v1/forward_backward`: adds a batch's gradient.
struct ForwardBackwardRequest: Codable, Sendable {
    /// `policy` (the clipped policy-gradient objective, as GRPO's, on each sample's advantage) or `supervised`
    /// (the mean cross-entropy of the trainable response tokens).
    var loss: String
    var samples: [APISample]
    /// The policy loss's clip range ε (0.2 when left out).
    var clipRange: Double?
    /// The policy loss's KL penalty toward the phase's starting weights (0 when left out).
    var klCoefficient: Double?
}

struct ForwardBackwardResponse: Codable, Sendable {
    var loss: Float
    /// Samples that took part (a policy loss leaves out those with advantage 0).
    var samples: Int
    var clippedFraction: Double?
    var kl: Double?
}

/// `POST /v1/optim_step`: applies the gradient added since the last step, then publishes the new weights.
struct OptimStepRequest: Codable, Sendable {
    var learningRate: Double
    var maxGradientNorm: Double?
}

struct OptimStepResponse: Codable, Sendable {
    /// The experiment's step this was.
    var step: Int
    /// The gradient's norm before clipping.
    var gradientNorm: Float
    /// The snapshot holding the new weights, which the next samples pin.
    var weightsVersion: Int
}

/// `POST /v1/save_state` and `/v1/load_state`: the weights (a safetensors checkpoint) and, beside them, the
/// optimiser's state.
struct StateRequest: Codable, Sendable {
    var path: String
}

/// `GET /v1/state`.
struct SessionState: Codable, Sendable {
    var experiment: String
    var task: String
    var step: Int
    var firstStep: Int
    var lastStep: Int
    var weightsVersion: Int
}

/// `POST /v1/evaluate`.
struct EvaluationResponse: Codable, Sendable {
    var step: Int
    /// Greedy validation success on `evaluation.problems` inputs.
    var success: Double
}

/// A refusal: `{"error": {"message": …, "field": …}}`.
struct APIErrorBody: Codable, Sendable {
    struct Detail: Codable, Sendable {
        var message: String
        var field: String?
    }
    var error: Detail
}
