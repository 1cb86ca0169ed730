import Foundation
import FulmenCore
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// Submits `spec` to `store` and waits up to ten minutes for the experiment to end.
/// - Returns: the experiment as it ended.
func runExperiment(_ spec: String, name: String, on store: $ControlStore<ZMQActorSystem>) async throws -> Experiment {
    let experiment = try await store.submit(ExperimentSubmission(name: name, spec: Data(spec.utf8)))
    _ = try await eventually(timeout: .seconds(600)) { try await store.experiment(experiment.id).status.isFinal }
    return try await store.experiment(experiment.id)
}

/// Runs `spec` on `store` to its end (``runExperiment(_:name:on:)``), expects it finished, and
/// expects its greedy validation success to start at 0 (a fresh model) and end at 20% or more.
/// - Returns: the experiment's id.
func expectValidationRises(
    _ spec: String, name: String, on store: $ControlStore<ZMQActorSystem>, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> ExperimentID {
    let experiment = try await runExperiment(spec, name: name, on: store)
    #expect(experiment.status == .finished, "\(experiment.message ?? "")", sourceLocation: sourceLocation)
    let evaluations = try await store.metrics(experiment.id, afterStep: nil).compactMap { point in
        point[.validationSuccess].map { (point.step, $0) }
    }
    #expect(
        evaluations.first?.0 == 0 && evaluations.first?.1 == 0, "a fresh model solved calc: \(evaluations)",
        sourceLocation: sourceLocation)
    #expect((evaluations.last?.1 ?? 0) >= 0.2, "validation success did not rise: \(evaluations)", sourceLocation: sourceLocation)
    return experiment.id
}
