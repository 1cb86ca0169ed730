public import FulmenCore

/// What the adapter made of a batch of rollouts: the samples of the usable ones and the reason for each
/// unusable one.
///
/// A batch with no triplets at all is something the trainer reports as an error rather than a step taken.
public struct AdapterBatch: Sendable, Equatable, CustomStringConvertible {
    /// The rollouts that yielded samples, in the order they were given.
    public var usable: [AdaptedRollout]
    /// The rollouts that yielded none, in the order they were given.
    public var unusable: [UnusableRollout]

    public init(usable: [AdaptedRollout] = [], unusable: [UnusableRollout] = []) {
        self.usable = usable
        self.unusable = unusable
    }

    /// Every sample of the batch.
    public var triplets: [Triplet] { usable.flatMap(\.triplets) }

    /// How many rollouts the batch held.
    public var rolloutCount: Int { usable.count + unusable.count }

    /// How many rollouts were unusable for each kind of reason (``UnusableRollout/Reason/kind``), most
    /// frequent first.
    public var unusableCounts: [(kind: String, count: Int)] {
        var counts: [String: Int] = [:]
        for rollout in unusable { counts[rollout.reason.kind, default: 0] += 1 }
        return counts.map { (kind: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.kind < $1.kind }
    }

    /// One line on the unusable rollouts: "12 of 128 rollouts unusable: 10 no final reward, 2 no model calls",
    /// or "all 128 rollouts usable".
    public var unusableSummary: String {
        if unusable.isEmpty { return "all \(rolloutCount) rollouts usable" }
        let kinds = unusableCounts.map { "\($0.count) \($0.kind)" }.joined(separator: ", ")
        return "\(unusable.count) of \(rolloutCount) rollouts unusable: \(kinds)"
    }

    /// The unusable summary, the number of samples, and what was left out of the usable rollouts.
    public var description: String {
        var parts = [counted(triplets.count, "triplet"), unusableSummary]
        let failed = usable.reduce(0) { $0 + $1.failedCallsSkipped }
        if failed > 0 { parts.append("\(counted(failed, "failed model call")) skipped") }
        let uncredited = usable.reduce(0) { $0 + $1.uncreditedRewards }
        if uncredited > 0 {
            parts.append("\(counted(uncredited, "reward")) before any trained model call left uncredited")
        }
        return parts.joined(separator: "; ")
    }
}
