import FulmenCore
import FulmenModel
import FulmenTrainer
import Foundation

/// What the training API does for an external algorithm's phase, on the experiment's ``ExperimentContext``.
/// An actor, so that requests arriving together change the step and its figures one at a time.
actor TrainingSession {
    let context: ExperimentContext
    /// The phase's steps.
    let steps: PhaseSteps
    /// `sample` calls made during the current step, so each draws other inputs, and the same again when a
    /// resumed trainer is asked the same.
    private var samplesThisStep = 0
    /// Figures gathered since the last step, reported with the next.
    private var pending: [MetricName: Double] = [:]
    /// Whether the program said it is done.
    private(set) var finished = false

    init(context: ExperimentContext, steps: PhaseSteps) {
        self.context = context
        self.steps = steps
    }

    /// Optimiser steps taken in this phase.
    var taken: Int { get async { await context.step - steps.offset } }

    func state() async -> SessionState {
        SessionState(
            experiment: context.experiment.id.rawValue, task: context.spec.task, step: await context.step,
            firstStep: steps.first, lastStep: steps.last, weightsVersion: await context.weightsVersion)
    }

    func sample(_ request: SampleRequest) async throws -> SampleResponse {
        guard request.problems >= 1 else { throw TrainingAPIRefusal.invalid("problems", "must be at least 1, got \(request.problems)") }
        guard request.groupSize >= 1 else { throw TrainingAPIRefusal.invalid("group_size", "must be at least 1, got \(request.groupSize)") }
        guard (request.temperature ?? 1) >= 0 else {
            throw TrainingAPIRefusal.invalid("temperature", "cannot be negative, got \(request.temperature ?? 0)")
        }
        let (inputs, mode): ([Data], RolloutMode)
        switch request.split ?? "train" {
        case "train": (inputs, mode) = (context.split.train, .train)
        case "validation": (inputs, mode) = (context.split.validation, .val)
        case let other: throw TrainingAPIRefusal.invalid("split", "must be train or validation, not '\(other)'")
        }
        let step = await context.step
        let version = await context.weightsVersion
        let call = samplesThisStep
        samplesThisStep += 1
        var random = SeededRandom(seed: context.spec.seed &* 0x2545_F491 &+ UInt64(step) &* 0x1_0000 &+ UInt64(call))
        var drawn: [(input: Int, ids: [RolloutID])] = []
        var requests: [RolloutRequest] = []
        for problem in 0..<request.problems {
            let input = Int.random(in: 0..<inputs.count, using: &random)
            let ids = (0..<request.groupSize).map { RolloutID("\(context.experiment.id)/api/\(step)-\(call)/\(problem)/\($0)") }
            drawn.append((input, ids))
            requests += ids.map { id in
                context.request(
                    id, input: inputs[input], mode: mode, snapshot: version,
                    metadata: [
                        RolloutMetadata.temperature: String(request.temperature ?? 1), RolloutMetadata.step: String(step),
                    ])
            }
        }
        let settled = try await context.play(requests)
        let adapter = TripletAdapter(context.spec.adapter)
        var groups: [SampleResponse.Group] = []
        var rewards: [Double] = []
        for (input, ids) in drawn {
            var rollouts: [SampleResponse.Rollout] = []
            for id in ids {
                let status = settled[id]?.status ?? .failed
                var rollout = SampleResponse.Rollout(id: id.rawValue, status: status.rawValue, reward: nil, samples: [])
                if status == .succeeded {
                    do {
                        let adapted = try adapter.adapt(try await context.store.allSpans(of: id), of: id)
                        rollout.reward = adapted.finalReward
                        rollout.samples = adapted.triplets.map {
                            APISample(
                                prompt: $0.prompt, response: $0.response, logprobs: $0.logProbabilities, trainable: $0.trainable)
                        }
                    } catch let unusable as UnusableRollout {
                        rollout.unusable = "\(unusable)"
                    }
                }
                if let reward = rollout.reward { rewards.append(reward) }
                rollouts.append(rollout)
            }
            groups.append(SampleResponse.Group(input: input, rollouts: rollouts))
        }
        pending[MetricName("external.reward")] = rewards.reduce(0, +) / Double(max(rewards.count, 1))
        pending[.grpoRollouts, default: 0] += Double(requests.count)
        return SampleResponse(weightsVersion: version, groups: groups)
    }

    func forwardBackward(_ request: ForwardBackwardRequest) async throws -> ForwardBackwardResponse {
        guard !request.samples.isEmpty else { throw TrainingAPIRefusal.invalid("samples", "is empty") }
        for (i, sample) in request.samples.enumerated() {
            let count = sample.response.count
            guard !sample.prompt.isEmpty else { throw TrainingAPIRefusal.invalid("samples[\(i)].prompt", "is empty") }
            if let trainable = sample.trainable, trainable.count != count {
                throw TrainingAPIRefusal.invalid("samples[\(i)].trainable", "has \(trainable.count) flags for \(count) response tokens")
            }
            if let logprobs = sample.logprobs, logprobs.count != count {
                throw TrainingAPIRefusal.invalid("samples[\(i)].logprobs", "has \(logprobs.count) values for \(count) response tokens")
            }
        }
        let trainer = context.trainer
        switch request.loss {
        case "policy":
            var triplets: [Triplet] = []
            var advantages: [Double] = []
            for (i, sample) in request.samples.enumerated() {
                guard let logprobs = sample.logprobs else { throw TrainingAPIRefusal.invalid("samples[\(i)].logprobs", "missing (the policy loss needs them)") }
                guard let advantage = sample.advantage else { throw TrainingAPIRefusal.invalid("samples[\(i)].advantage", "missing (the policy loss needs it)") }
                triplets.append(
                    Triplet(
                        rollout: RolloutID("api"), attempt: AttemptID("api"), agent: "", prompt: sample.prompt,
                        response: sample.response, trainable: sample.trainable ?? Array(repeating: true, count: sample.response.count),
                        logProbabilities: logprobs, reward: advantage, weightsVersion: nil))
                advantages.append(advantage)
            }
            let objective = PolicyObjective(clipRange: request.clipRange ?? 0.2, klCoefficient: request.klCoefficient ?? 0)
            let pass = try await trainer.forwardBackward(triplets, advantages: advantages, objective: objective)
            return ForwardBackwardResponse(
                loss: pass.loss, samples: pass.samples, clippedFraction: pass.objective?.clippedFraction, kl: pass.objective?.kl)
        case "supervised":
            let samples = request.samples.map {
                SupervisedSample(prompt: $0.prompt, response: $0.response, trainable: $0.trainable)
            }
            let pass = try await trainer.forwardBackward(samples)
            pending[.sftLoss] = Double(pass.loss)
            return ForwardBackwardResponse(loss: pass.loss, samples: pass.samples)
        case let other:
            throw TrainingAPIRefusal.invalid("loss", "must be policy or supervised, not '\(other)'")
        }
    }

    /// One step of the experiment: the optimiser step, the new weights published, the step's figures reported,
    /// a checkpoint on the experiment's schedule.
    func optimStep(_ request: OptimStepRequest) async throws -> OptimStepResponse {
        guard request.learningRate > 0 && request.learningRate < 1 else {
            throw TrainingAPIRefusal.invalid("learning_rate", "must be in (0, 1), got \(request.learningRate)")
        }
        guard await context.step < steps.last else {
            throw TrainingAPIRefusal.conflict("the phase's \(steps.count) steps are taken (external.steps); post /v1/done")
        }
        let step = try await context.beginStep()
        samplesThisStep = 0
        let norm = await context.trainer.optimStep(
            learningRate: Float(request.learningRate), maxGradientNorm: Float(request.maxGradientNorm ?? 1))
        try await context.publishWeights()
        var values = pending
        pending = [:]
        values[.gradientNorm] = Double(norm)
        values[MetricName("external.learning_rate")] = request.learningRate
        try await context.report(values)
        if await context.isCheckpointStep { try await context.saveCheckpoint() }
        return OptimStepResponse(step: step, gradientNorm: norm, weightsVersion: await context.weightsVersion)
    }

    func saveState(_ request: StateRequest) async throws {
        try await context.trainer.saveState(to: request.path)
    }

    /// Loads weights and optimiser, and publishes the weights for the next samples.
    func loadState(_ request: StateRequest) async throws {
        guard FileManager.default.fileExists(atPath: request.path) else {
            throw TrainingAPIRefusal.invalid("path", "no file at \(request.path)")
        }
        try await context.trainer.loadState(from: request.path)
        try await context.publishWeights()
    }

    func evaluate() async throws -> EvaluationResponse {
        let success = try await context.evaluate()
        return EvaluationResponse(step: await context.step, success: success)
    }

    func finish() { finished = true }
}
