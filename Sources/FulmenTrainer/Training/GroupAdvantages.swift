public import FulmenCore

/// How GRPO turns rewards into advantages: each sample is compared with the other samples of its group
/// (the rollouts of one task input), so no value model is needed.
public struct AdvantageSettings: Codable, Sendable, Equatable {
    /// Whether advantages are divided by their group's standard deviation (GRPO as published) or only
    /// centred on the group's mean (which keeps easy and hard groups on one scale).
    public var normalizeByStandardDeviation: Bool

    public init(normalizeByStandardDeviation: Bool = true) {
        self.normalizeByStandardDeviation = normalizeByStandardDeviation
    }
}

/// Group-relative advantages for triplets.
public enum GroupAdvantages {
    /// The advantage of each triplet: its reward minus its group's mean reward, over the group's standard
    /// deviation when `settings` say so. Every rollout of a group weighs the same in the group's statistics,
    /// however many triplets it made.
    ///
    /// A group whose rewards are all equal teaches nothing: its triplets get advantage 0, and it is counted
    /// in ``Result/uniformGroups`` so the caller can see (and resample) what it lost.
    /// - Parameter group: the group each triplet belongs to, e.g. its rollout's task input.
    public static func compute(
        _ triplets: [Triplet], settings: AdvantageSettings = AdvantageSettings(), group: (Triplet) -> String
    ) -> Result {
        var members: [String: [Int]] = [:]
        for (i, triplet) in triplets.enumerated() { members[group(triplet), default: []].append(i) }
        var advantages = [Double](repeating: 0, count: triplets.count)
        var uniform = 0
        for indices in members.values {
            var perRollout: [RolloutID: Int] = [:]
            for i in indices { perRollout[triplets[i].rollout, default: 0] += 1 }
            let weights = indices.map { 1 / Double(perRollout[triplets[$0].rollout]!) }
            let total = weights.reduce(0, +)
            let mean = zip(indices, weights).reduce(0) { $0 + triplets[$1.0].reward * $1.1 } / total
            let variance = zip(indices, weights).reduce(0) { $0 + (triplets[$1.0].reward - mean) * (triplets[$1.0].reward - mean) * $1.1 } / total
            let deviation = variance.squareRoot()
            if deviation < 1e-9 {
                uniform += 1
                continue
            }
            let scale = settings.normalizeByStandardDeviation ? 1 / deviation : 1
            for i in indices { advantages[i] = (triplets[i].reward - mean) * scale }
        }
        return Result(advantages: advantages, groups: members.count, uniformGroups: uniform)
    }

    /// Advantages, one per triplet, and how many groups carried no signal.
    public struct Result: Sendable, Equatable {
        public var advantages: [Double]
        public var groups: Int
        /// Groups whose rewards were all equal (all solved, or all failed): they give no gradient.
        public var uniformGroups: Int
    }
}
