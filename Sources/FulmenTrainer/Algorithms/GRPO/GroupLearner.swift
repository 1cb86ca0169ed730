import FulmenCore
import FulmenModel

/// What a GRPO update is made of, fixed for a phase, and the update itself: settled groups' spans to
/// triplets, group-relative advantages, and `epochs` clipped policy-gradient steps.
struct GroupLearner: Sendable {
    let adapter: TripletAdapter
    let objective: PolicyObjective
    let advantages: AdvantageSettings
    /// The learning rate at each of the phase's steps, counted from 0.
    let learningRate: LearningRateSchedule
    /// Updates taken on each batch.
    let epochs: Int

    /// One GRPO update on settled groups. A step whose groups all had equal rewards takes no update and says
    /// so (`grpo.skipped`); one with no usable sample at all fails with the adapter's summary.
    func learn(
        from groups: [RolloutGroups.Group], learningRate rate: Float, sampler: inout GRPOSampler,
        context: ExperimentContext, values: inout [MetricName: Double]
    ) async throws {
        let step = await context.step
        var groupOf: [RolloutID: String] = [:]
        var episodes: [(rollout: RolloutID, spans: [StoredSpan])] = []
        var failed = 0
        for group in groups {
            for (id, rollout) in group.settled {
                groupOf[id] = group.key
                if rollout.status == .succeeded { episodes.append((id, try await sampler.spans(of: id))) } else { failed += 1 }
            }
        }
        let batch = adapter.adapt(episodes)
        let triplets = batch.triplets
        values[.grpoFailedRollouts] = Double(failed)
        values[.grpoUnusableRollouts] = Double(batch.unusable.count)
        if triplets.isEmpty {
            throw TrainingError.noData(
                "step \(step): none of \(groupOf.count) rollouts gave a training sample (\(batch.unusableSummary))")
        }
        if !batch.unusable.isEmpty {
            context.logger.warning("unusable rollouts", metadata: ["step": "\(step)", "summary": "\(batch.unusableSummary)"])
        }
        // Each episode's outcome, not its samples' rewards (under per-call credit those are per move).
        let rewards = batch.usable.compactMap(\.finalReward)
        values[.grpoReward] = rewards.reduce(0, +) / Double(max(rewards.count, 1))
        values[.grpoSuccess] =
            Double(rewards.filter { context.task.isSuccess(reward: $0) }.count) / Double(max(rewards.count, 1))
        let advantages = GroupAdvantages.compute(triplets, settings: advantages) { groupOf[$0.rollout] ?? "" }
        values[.grpoUniformGroups] = Double(advantages.uniformGroups)
        do {
            let (weights, norm) = try await takeEpochs(triplets, advantages: advantages.advantages, rate: rate, context: context)
            values[.grpoObjective] = weights.objective
            values[.grpoKL] = weights.kl
            values[.grpoClipped] = weights.clippedFraction
            values[.gradientNorm] = Double(norm)
        } catch {
            guard case .noSignal = error else { throw error }
            // Every group was all solved or all failed: nothing to learn from this batch. Counted, not hidden.
            values[.grpoSkipped] = 1
            context.logger.info("step without signal: every group's rewards were equal", metadata: ["step": "\(step)"])
        }
    }

    /// `epochs` updates on one batch. Each epoch rescores the batch with the model as the previous epoch left
    /// it, so the ratio and its clip bound how far one batch can move the policy. Answers the last epoch's
    /// objective and gradient norm.
    private func takeEpochs(
        _ triplets: [Triplet], advantages: [Double], rate: Float, context: ExperimentContext
    ) async throws(TrainingError) -> (PolicyObjective.Weights, Float) {
        var last: (PolicyObjective.Weights, Float)?
        for _ in 0..<epochs {
            let pass = try await context.trainer.forwardBackward(triplets, advantages: advantages, objective: objective)
            let norm = await context.trainer.optimStep(learningRate: rate)
            if let weights = pass.objective { last = (weights, norm) }
        }
        guard let last else { throw .noData("no epoch ran") }
        return last
    }
}
