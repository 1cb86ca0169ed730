import FulmenCore
import FulmenModel

/// How GRPO draws its groups: enqueues `groupSize` rollouts of randomly drawn training inputs pinned to the
/// current weights, and takes the groups that settled completely; synchronously, or asynchronously (the
/// runners sample the next groups while the trainer trains), with dynamic sampling and staleness as the
/// phase's settings say.
struct GRPOSampler {
    let settings: GRPO
    let context: ExperimentContext
    private var inFlight = RolloutGroups()
    /// Settled rollouts' spans read during the current step (dynamic sampling reads them before learning).
    private var spans: [RolloutID: [StoredSpan]] = [:]

    init(settings: GRPO, context: ExperimentContext) {
        self.settings = settings
        self.context = context
    }

    /// The groups one step trains on. Dynamic sampling: groups whose rollouts all earned the same reward
    /// teach nothing, so more groups are drawn (up to four times the step's) until enough of them differ.
    mutating func groupsForStep(values: inout [MetricName: Double]) async throws -> [RolloutGroups.Group] {
        spans.removeAll()
        var groups: [RolloutGroups.Group] = []
        var informative = 0
        repeat {
            let needed = settings.problemsPerStep - informative
            let taken: [RolloutGroups.Group]
            if settings.asynchronous {
                // Train on the first groups to complete; the runners meanwhile sample the next ones.
                taken = try await takeComplete(needed, values: &values)
                try await launch(taken.count)
            } else {
                try await launch(needed)
                taken = try await takeComplete(needed, values: &values)
            }
            groups += taken
            for group in taken {
                let uniform = settings.dynamicSampling ? try await isUniform(group) : false
                if !uniform { informative += 1 }
            }
        } while informative < settings.problemsPerStep && groups.count < 4 * settings.problemsPerStep
        return groups
    }

    /// Enqueues `count` groups of `groupSize` rollouts of randomly drawn training inputs, pinned to the
    /// current weights.
    ///
    /// Groups are named and drawn by the step and their order within it: a trainer resumed at this step
    /// launches the same groups of the same problems, and the store's idempotent enqueue hands back those its
    /// previous life had started, so a resumed run samples and trains as an uninterrupted one would.
    mutating func launch(_ count: Int) async throws {
        let (step, version) = (await context.step, await context.weightsVersion)
        let first = inFlight.launched(atStep: step)
        var random = SeededRandom(seed: context.spec.seed &* 0x85EB_CA6B &+ UInt64(step) &* 0x1_0000 &+ UInt64(first))
        var requests: [RolloutRequest] = []
        for index in first..<(first + count) {
            let problem = Int.random(in: 0..<context.split.train.count, using: &random)
            let key = "\(step)-\(index)"
            let ids = (0..<settings.groupSize).map { RolloutID("\(context.experiment.id)/g\(key)/\($0)") }
            inFlight.add(key: key, ids: ids, version: version, atStep: step)
            requests += ids.map { id in
                context.request(
                    id, input: context.split.train[problem], mode: .train, snapshot: version,
                    metadata: [RolloutMetadata.temperature: String(settings.temperature), RolloutMetadata.step: String(step)])
            }
        }
        try await context.enqueue(requests)
    }

    /// Waits until `count` groups have settled completely and takes them, oldest first. Groups sampled with
    /// weights more than `maxStaleness` versions old are dropped (and replaced), or kept for the policy ratio
    /// to weight, as the settings say.
    private mutating func takeComplete(_ count: Int, values: inout [MetricName: Double]) async throws -> [RolloutGroups.Group] {
        var dropped = 0
        while true {
            while inFlight.completeCount < count {
                for rollout in try await context.nextSettled() { inFlight.settle(rollout) }
            }
            var taken = inFlight.takeComplete(count)
            var staleness: [Int] = []
            for group in taken { staleness.append(await context.staleness(of: group.version)) }
            if settings.staleSamples == .drop {
                let fresh = zip(taken, staleness).filter { $0.1 <= settings.maxStaleness }
                if fresh.count < taken.count {
                    dropped += taken.count - fresh.count
                    try await launch(taken.count - fresh.count)
                }
                (taken, staleness) = (fresh.map(\.0), fresh.map(\.1))
            }
            values[.grpoStaleDropped] = Double(dropped)
            if !taken.isEmpty {
                values[.grpoRollouts, default: 0] += Double(taken.reduce(0) { $0 + $1.settled.count })
                values[.grpoStaleness] = Double(staleness.reduce(0, +)) / Double(taken.count)
                return taken
            }
        }
    }

    /// The spans of a settled rollout's latest attempt, read once per step.
    mutating func spans(of id: RolloutID) async throws -> [StoredSpan] {
        if let known = spans[id] { return known }
        let read = try await context.store.allSpans(of: id)
        spans[id] = read
        return read
    }

    /// Whether every rollout of a group earned the same final reward (a failed one counts as no reward).
    private mutating func isUniform(_ group: RolloutGroups.Group) async throws -> Bool {
        var rewards: Set<Double?> = []
        for (id, rollout) in group.settled {
            let reward = rollout.status == .succeeded ? try? TripletAdapter.finalReward(try await spans(of: id), of: id) : nil
            rewards.insert(reward ?? nil)
        }
        return rewards.count <= 1
    }
}
