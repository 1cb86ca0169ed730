import FulmenCore
import FulmenModel
import FulmenTasks
import Foundation
import Logging

/// One experiment, run to its end by a trainer: its phases in order, each an ``Algorithm`` taking its steps
/// through the experiment's ``ExperimentContext``, with greedy validation before the first and after the
/// last, and a checkpoint at the end of each phase.
///
/// A trainer restarted on an experiment it was running resumes from the latest checkpoint: the weights and
/// optimiser as they were, inside the phase holding the next step.
struct ExperimentRun {
    let context: ExperimentContext

    /// Prepares the experiment: its split, and its model (fresh, or from its latest checkpoint).
    static func prepare(
        _ experiment: Experiment, store: any TrainerStore, dataDirectory: URL, logger: Logger
    ) async throws -> ExperimentRun {
        let spec = try ExperimentSpec.parse(yaml: String(decoding: experiment.spec, as: UTF8.self))
        let task = try BundledTasks.named(spec.task)
        let split = try task.encodedSplit(seed: spec.seed, trainCount: spec.split.train, validationCount: spec.split.validation)
        let directory = dataDirectory.appendingPathComponent(experiment.id.rawValue, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let choice = try spec.model.choice()
        if case .preset(let preset) = choice.source, preset.config.contextLength < task.contextLength {
            throw SpecError(
                field: "model.preset",
                problem: "task \(spec.task) needs a context of \(task.contextLength) tokens; \(preset.name) has \(preset.config.contextLength)")
        }
        let trainer = try await PolicyTrainer.make(
            choice, seed: spec.seed, threads: spec.model.threads, label: "fulmen.trainer.\(experiment.id)")
        let resumed = experiment.checkpoints.max { $0.step < $1.step }
        if let resumed {
            logger.info("resuming from checkpoint", metadata: ["experiment": "\(experiment.id)", "step": "\(resumed.step)"])
            try await trainer.loadState(from: resumed.location)
        }
        let context = ExperimentContext(
            experiment: experiment, spec: spec, task: task, split: split, store: store, trainer: trainer,
            directory: directory, logger: logger, step: resumed?.step ?? 0)
        try await context.publishWeights()
        return ExperimentRun(context: context)
    }

    /// Runs what remains of the experiment; answers a one-line summary for its final status.
    func run() async throws -> String {
        let started = ContinuousClock.now
        let spec = context.spec
        let first = try await context.evaluate()
        if await context.step == 0 { try await context.report([.validationSuccess: first]) }
        var notes: [String] = []
        var phaseEnds: [(name: String, success: Double?)] = []
        for (index, algorithm) in spec.phases.enumerated() {
            let steps = PhaseSteps(index: index, first: spec.stepsBefore(phase: index) + 1, count: algorithm.steps)
            if await context.step < steps.last {
                await context.enter(steps)
                if let note = try await algorithm.run(in: context) { notes.append(note) }
                // A phase that ended early leaves its other steps untaken: the next phase's steps are numbered as
                // the spec says.
                if await context.step < steps.last { await context.move(to: steps.last) }
                try await context.saveCheckpoint()
            }
            let end = await context.evaluations.last { $0.step == steps.last }?.success
            phaseEnds.append((type(of: algorithm).name, end))
        }
        let last = try await context.evaluate()
        try await context.saveCheckpoint()
        let minutes = (ContinuousClock.now - started).inSeconds / 60
        var summary = "validation success \(ExperimentContext.percent(first)) → \(ExperimentContext.percent(last))"
        let between = phaseEnds.dropLast().compactMap { end in end.success.map { "after \(end.name) \(ExperimentContext.percent($0))" } }
        if !between.isEmpty { summary += " (\(between.joined(separator: ", ")))" }
        summary += ", \(await context.step) steps, \(await context.rolloutsPlayed) rollouts, \(String(format: "%.1f", minutes)) min"
        for note in notes { summary += "; \(note)" }
        return summary
    }
}
