import FulmenCore
import FulmenModel

/// GRPO's groups in flight: each is `groupSize` rollouts of one training input, sampled with one version
/// of the weights, complete once every one of them has settled.
struct RolloutGroups {
    struct Group {
        let key: String
        /// The resource snapshot (weights version) the group's rollouts pinned.
        let version: ResourceSnapshotID
        var waiting: Set<RolloutID>
        var settled: [RolloutID: Rollout] = [:]
    }

    /// How many groups were added while each step was the current one.
    private var launchedAt: [Int: Int] = [:]
    private var groups: [String: Group] = [:]
    private var groupOf: [RolloutID: String] = [:]
    /// Complete groups, in the order they completed.
    private var complete: [String] = []

    /// How many groups were added while `step` was the current step: the next one's index within it.
    func launched(atStep step: Int) -> Int { launchedAt[step, default: 0] }

    mutating func add(key: String, ids: [RolloutID], version: ResourceSnapshotID, atStep step: Int) {
        launchedAt[step, default: 0] += 1
        groups[key] = Group(key: key, version: version, waiting: Set(ids))
        for id in ids { groupOf[id] = key }
    }

    /// Files a settled rollout under its group; rollouts of no group (evaluation's) are ignored.
    mutating func settle(_ rollout: Rollout) {
        guard let key = groupOf.removeValue(forKey: rollout.id), var group = groups[key] else { return }
        group.waiting.remove(rollout.id)
        group.settled[rollout.id] = rollout
        groups[key] = group
        if group.waiting.isEmpty { complete.append(key) }
    }

    var completeCount: Int { complete.count }

    /// Removes and answers up to `count` complete groups, oldest first.
    mutating func takeComplete(_ count: Int) -> [Group] {
        let keys = complete.prefix(count)
        complete.removeFirst(keys.count)
        return keys.compactMap { groups.removeValue(forKey: $0) }
    }
}
