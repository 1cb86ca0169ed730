/// One training sample made from an episode's spans: what the model was shown, what it answered,
/// how likely its answer was when it was sampled, and the reward credited to it.
public struct Triplet: Codable, Sendable, Equatable {
    public var rollout: RolloutID
    public var attempt: AttemptID
    /// The sub-agent whose model call(s) this sample holds.
    public var agent: String
    /// The prompt's token ids.
    public var prompt: [Int32]
    /// The token ids after the prompt: one model response, or in whole-trajectory mode every turn
    /// that followed the first prompt, model and environment tokens alike.
    public var response: [Int32]
    /// For each response token, whether the model made it (and so whether it is trained on).
    /// All true except in whole-trajectory mode, where environment tokens are false.
    public var trainable: [Bool]
    /// For each response token, its log-probability when it was sampled; 0 where not trainable.
    public var logProbabilities: [Float]
    public var reward: Double
    /// The resource snapshot whose weights sampled the response, when known.
    public var weightsVersion: Int?

    public init(
        rollout: RolloutID, attempt: AttemptID, agent: String, prompt: [Int32], response: [Int32], trainable: [Bool],
        logProbabilities: [Float], reward: Double, weightsVersion: Int?
    ) {
        self.rollout = rollout
        self.attempt = attempt
        self.agent = agent
        self.prompt = prompt
        self.response = response
        self.trainable = trainable
        self.logProbabilities = logProbabilities
        self.reward = reward
        self.weightsVersion = weightsVersion
    }
}
