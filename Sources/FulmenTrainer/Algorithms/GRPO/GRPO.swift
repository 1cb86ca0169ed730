/// Group Relative Policy Optimization: per step, `groupSize` rollouts of each of `problemsPerStep` training
/// inputs, sampled by the runners with the current weights, then a clipped policy-gradient update whose
/// advantages compare each sample with its group's others.
///
/// ```yaml
/// grpo: { steps: 200, problemsPerStep: 16, groupSize: 8, learningRate: 0.0001, asynchronous: true }
/// ```
///
/// Its sampler (``GRPOSampler``) owns how groups are drawn: synchronously or while the trainer trains
/// (`asynchronous`), with groups that teach nothing replaced (`dynamicSampling`), and groups sampled with
/// old weights dropped or reweighted (`maxStaleness`, `staleSamples`).
public struct GRPO: Algorithm {
    public static let name = "grpo"

    public var steps = 200
    public var problemsPerStep = 16
    public var groupSize = 8
    /// The learning rate of the phase's first step.
    public var learningRate = 1e-4
    /// Where the learning rate ends, if it is to fall: from `learningRate` at the first step to this at the
    /// last, along a cosine, so that late updates refine the policy instead of swinging it back and forth.
    /// Absent, the rate stays `learningRate` throughout.
    public var finalLearningRate: Double?
    /// The policy ratio's clip range ε.
    public var clipRange = 0.2
    /// The KL penalty's weight toward the policy as the phase found it (0: none).
    public var klCoefficient = 0.0
    /// The runners' sampling temperature for training rollouts.
    public var temperature = 1.0
    /// Whether advantages are divided by their group's standard deviation.
    public var normalizeAdvantages = true
    /// Updates taken on each batch of rollouts (PPO-style epochs; the clip bounds how far they go).
    public var epochs = 1
    /// Whether groups whose rollouts all earned the same reward (they teach nothing) are replaced by more
    /// groups, up to four times a step's, so each update has `problemsPerStep` groups that differ.
    public var dynamicSampling = false
    /// Whether the runners sample the next groups while the trainer trains on the first groups to complete.
    public var asynchronous = false
    /// The most weight versions a group's samples may lag the weights being trained.
    public var maxStaleness = 1
    /// What happens to groups older than `maxStaleness`.
    public var staleSamples = StaleSamples.drop

    /// What becomes of samples drawn with weights older than the phase allows.
    public enum StaleSamples: String, Codable, Sendable, CaseIterable {
        /// Left out (and replaced by fresh groups).
        case drop
        /// Trained on, weighted by the ratio of today's probability to the sampling one (clipped).
        case reweight
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let section = try decoder.section(of: self, keyedBy: CodingKeys.self)
        try section.update(&steps, .steps)
        try section.update(&problemsPerStep, .problemsPerStep)
        try section.update(&groupSize, .groupSize)
        try section.update(&learningRate, .learningRate)
        try section.update(&finalLearningRate, .finalLearningRate)
        try section.update(&clipRange, .clipRange)
        try section.update(&klCoefficient, .klCoefficient)
        try section.update(&temperature, .temperature)
        try section.update(&normalizeAdvantages, .normalizeAdvantages)
        try section.update(&epochs, .epochs)
        try section.update(&dynamicSampling, .dynamicSampling)
        try section.update(&asynchronous, .asynchronous)
        try section.update(&maxStaleness, .maxStaleness)
        try section.update(&staleSamples, .staleSamples)
    }

    public func validate(in spec: ExperimentSpec) throws(SpecError) {
        try SpecError.require(steps >= 1, "steps", "must be at least 1, got \(steps)")
        try SpecError.require(problemsPerStep >= 1, "problemsPerStep", "must be at least 1, got \(problemsPerStep)")
        try SpecError.require(
            groupSize >= 2, "groupSize", "must be at least 2 (advantages compare a group's samples), got \(groupSize)")
        try SpecError.require(learningRate > 0 && learningRate < 1, "learningRate", "must be in (0, 1), got \(learningRate)")
        if let finalLearningRate {
            try SpecError.require(
                finalLearningRate >= 0 && finalLearningRate <= learningRate, "finalLearningRate",
                "must be between 0 and grpo.learningRate (\(learningRate)), got \(finalLearningRate)")
        }
        try SpecError.require(clipRange > 0 && clipRange < 1, "clipRange", "must be in (0, 1), got \(clipRange)")
        try SpecError.require(klCoefficient >= 0, "klCoefficient", "cannot be negative, got \(klCoefficient)")
        try SpecError.require(
            temperature > 0, "temperature", "must be above 0 (sampling must explore), got \(temperature)")
        try SpecError.require(epochs >= 1, "epochs", "must be at least 1, got \(epochs)")
        try SpecError.require(maxStaleness >= 0, "maxStaleness", "cannot be negative, got \(maxStaleness)")
    }
}
