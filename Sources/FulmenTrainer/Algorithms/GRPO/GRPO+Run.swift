import FulmenCore
import FulmenModel

extension GRPO {
    /// Takes the phase's steps: draws groups (``GRPOSampler``), learns from them, publishes the new weights
    /// and reports; evaluates and checkpoints on the experiment's schedule.
    ///
    /// With a KL penalty, the reference is the policy as the phase found it: a copy of the current weights
    /// when the phase starts, or the checkpoint saved where it started when a trainer resumes inside it.
    public func run(in context: ExperimentContext) async throws -> String? {
        let phase = await context.phase
        if klCoefficient > 0 {
            if await context.step == phase.offset {
                try await context.trainer.setReference()
            } else if let start = try await context.checkpoint(atStep: phase.offset) {
                try await context.trainer.setReference(fromCheckpoint: start.location)
            }
        }
        let learner = GroupLearner(
            adapter: TripletAdapter(context.spec.adapter),
            objective: PolicyObjective(clipRange: clipRange, klCoefficient: klCoefficient),
            advantages: AdvantageSettings(normalizeByStandardDeviation: normalizeAdvantages),
            learningRate: LearningRateSchedule(
                peak: Float(learningRate), minimum: Float(finalLearningRate ?? learningRate), totalSteps: max(steps - 1, 1)),
            epochs: epochs)
        var sampler = GRPOSampler(settings: self, context: context)
        if asynchronous { try await sampler.launch(problemsPerStep * 2) }
        while await context.step < phase.last {
            let step = try await context.beginStep()
            let started = ContinuousClock.now
            var values: [MetricName: Double] = [:]
            let groups = try await sampler.groupsForStep(values: &values)
            values[.grpoGroups] = Double(groups.count)
            let rate = learner.learningRate.rate(at: phase.index(of: step) - 1)
            values[.grpoLearningRate] = Double(rate)
            try await learner.learn(from: groups, learningRate: rate, sampler: &sampler, context: context, values: &values)
            try await context.publishWeights()
            let seconds = (ContinuousClock.now - started).inSeconds
            values[.rolloutsPerSecond] = Double(groups.reduce(0) { $0 + $1.settled.count }) / seconds
            values[.stepSeconds] = seconds
            if await context.isEvaluationStep { values[.validationSuccess] = try await context.evaluate() }
            try await context.report(values)
            if await context.isCheckpointStep { try await context.saveCheckpoint() }
        }
        return nil
    }
}
