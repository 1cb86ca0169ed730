/// The name of one figure a trainer reports per step (`MetricPoint.values`): what the trainer writes and the
/// CLI, `fulmen watch` and the benchmarks read. The names Fulmen's own algorithms report are the constants
/// below; an algorithm of a user's makes its own with `MetricName("reinforce.baseline")`.
public struct MetricName: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    // MARK: Every phase

    /// Greedy validation success (0...1) of the weights at this step.
    public static let validationSuccess: MetricName = "eval.success"
    /// The gradient's global norm before clipping.
    public static let gradientNorm: MetricName = "grad_norm"
    /// Rollouts settled per second of the step's wall-clock time.
    public static let rolloutsPerSecond: MetricName = "rollouts_per_s"
    /// The step's wall-clock seconds.
    public static let stepSeconds: MetricName = "step_seconds"

    // MARK: SFT

    /// Mean cross-entropy over the step's trained tokens.
    public static let sftLoss: MetricName = "sft.loss"
    /// Successful episodes found for SFT on traces (reported once, at the phase's first step).
    public static let sftTraceEpisodes: MetricName = "sft.trace_episodes"

    // MARK: GRPO

    /// Mean final reward of the step's usable episodes.
    public static let grpoReward: MetricName = "grpo.reward"
    /// Share of the step's usable episodes that solved their input.
    public static let grpoSuccess: MetricName = "grpo.success"
    /// Groups trained on (more than `problemsPerStep` under dynamic sampling).
    public static let grpoGroups: MetricName = "grpo.groups"
    /// Rollouts taken for the step.
    public static let grpoRollouts: MetricName = "grpo.rollouts"
    /// The step's learning rate.
    public static let grpoLearningRate: MetricName = "grpo.learning_rate"
    /// Groups dropped for staleness and replaced.
    public static let grpoStaleDropped: MetricName = "grpo.stale_dropped"
    /// Mean weight versions the step's groups lagged the weights trained.
    public static let grpoStaleness: MetricName = "grpo.staleness"
    /// Rollouts whose attempt failed.
    public static let grpoFailedRollouts: MetricName = "grpo.failed_rollouts"
    /// Rollouts that gave no training sample (the adapter says why in the log).
    public static let grpoUnusableRollouts: MetricName = "grpo.unusable_rollouts"
    /// Groups whose rewards were all equal.
    public static let grpoUniformGroups: MetricName = "grpo.uniform_groups"
    /// The clipped objective's value.
    public static let grpoObjective: MetricName = "grpo.objective"
    /// The KL penalty's estimate toward the reference.
    public static let grpoKL: MetricName = "grpo.kl"
    /// Share of trained tokens whose ratio was clipped.
    public static let grpoClipped: MetricName = "grpo.clipped"
    /// 1 when the step had no signal (every group's rewards were equal) and took no update.
    public static let grpoSkipped: MetricName = "grpo.skipped"

    // MARK: Resource search

    /// Validation success of the best candidate so far.
    public static let searchBest: MetricName = "search.best"
    /// The index (from 0) of the best candidate so far.
    public static let searchBestCandidate: MetricName = "search.best_candidate"
    /// Validation success of candidate `index` so far.
    public static func searchCandidate(_ index: Int) -> MetricName { MetricName("search.candidate_\(index)") }
}

extension MetricPoint {
    /// The value reported under `name`, if any.
    public subscript(_ name: MetricName) -> Double? { values[name.rawValue] }
}
