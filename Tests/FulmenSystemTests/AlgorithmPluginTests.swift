import Foundation
import FulmenCore
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// A user's own algorithm: `examples/reinforce` (REINFORCE with a leave-one-out baseline), compiled into its
/// own trainer executable, trains an experiment whose spec names it, with store and runner pool as `fulmen`
/// processes.
@Suite("System: an algorithm registered by a user's trainer executable")
struct AlgorithmPluginTests {
    static let spec = """
        task: calc
        split: { train: 50, validation: 10 }
        sft: { steps: 6, batchSize: 4 }
        reinforce: { steps: 3, problemsPerStep: 2, samples: 4, learningRate: 0.0001 }
        evaluation: { every: 100, problems: 4 }
        checkpointEvery: 100
        """

    @Test func theExampleTrainerRunsItsAlgorithmAsAPhase() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("reinforce-\(UUID().uuidString).yaml")
        try Data(Self.spec.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // Fulmen's own executable does not know the algorithm, and says which phases it does know.
        let refused = try await runToEnd("fulmen", arguments: ["submit", file.path, "--store", "tcp://127.0.0.1:9"])
        #expect(refused.status != 0)
        #expect(
            refused.errors.contains("reinforce: unknown field (known here:") && refused.errors.contains("grpo"),
            "\(refused.errors)")

        let processes = try await SystemProcesses(
            runner: ["--concurrency", "8", "--tasks", "calc"], trainerExecutable: "fulmen-reinforce")
        // The example's own executable checks the spec and submits it, as `fulmen submit` would.
        let submitted = try await runToEnd(
            "fulmen-reinforce", arguments: ["submit", file.path, "--store", processes.storeEndpoint, "--name", "rloo"])
        #expect(submitted.status == 0, "\(submitted.errors)")
        let id = try #require(try await processes.store.experiments(status: nil).first { $0.name == "rloo" }?.id)
        _ = try await eventually(timeout: .seconds(600)) { try await processes.store.experiment(id).status.isFinal }
        let experiment = try await processes.store.experiment(id)
        #expect(experiment.status == .finished, "\(experiment.message ?? "")")
        #expect(experiment.message?.contains("9 steps") == true, "\(experiment.message ?? "")")

        // Steps 7-9 are REINFORCE's: each reported its reward and took a step or said why not, and published
        // weights that the next step's rollouts pinned.
        let points = try await processes.store.metrics(id, afterStep: 6)
        #expect(points.filter { $0[MetricName("reinforce.reward")] != nil }.map(\.step) == [7, 8, 9], "\(points)")
        for point in points where point[MetricName("reinforce.reward")] != nil {
            #expect((0...1).contains(point[MetricName("reinforce.reward")] ?? -1))
            #expect(
                point[MetricName("reinforce.samples")] != nil || point[MetricName("reinforce.skipped")] == 1, "\(point.values)")
        }
        let rollouts = try await processes.store.rollouts(RolloutQuery(experiment: id, mode: .train, page: PageRequest(limit: 100)))
        let ids = Set(rollouts.items.map(\.id.rawValue))
        for step in 7...9 { #expect(ids.contains("\(id)/reinforce/\(step)/1/3"), "step \(step) played no group") }
        #expect(experiment.checkpoints.map(\.step).max() == 9)
        await processes.stop()
    }
}
