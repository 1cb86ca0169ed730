import Foundation
import FulmenCore
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// Store, runner pool and trainer as separate `fulmen` processes, and the control commands against them.
@Suite("System: trainer, runner and store processes")
struct TrainerProcessTests {
    /// A short experiment: a few SFT steps with a checkpoint every two, and a few GRPO steps whose learning
    /// rate falls.
    static let spec = """
        task: calc
        split: { train: 50, validation: 10 }
        sft: { steps: 8, batchSize: 4 }
        grpo: { steps: 3, problemsPerStep: 2, groupSize: 4, learningRate: 0.0001, finalLearningRate: 0.00001 }
        evaluation: { every: 100, problems: 4 }
        checkpointEvery: 2
        """

    @Test func aTrainerKilledMidExperimentResumesFromItsCheckpoint() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-trainer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let storeProcess = try await ChildProcess(
            "fulmen", arguments: ["store", "--in-memory", "--bind", endpoint, "--log-level", "critical"])
        let runner = try await ChildProcess(
            "fulmen", arguments: ["runner", "--store", endpoint, "--concurrency", "8", "--tasks", "calc", "--log-level", "critical", "--progress", "0"])
        let system = try ZMQActorSystem(settings: testSettings { $0.defaultCallTimeout = .seconds(10) })
        let store = try $ControlStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)
        let trainerArguments = ["trainer", "--store", endpoint, "--data", data.path, "--name", "t1", "--log-level", "critical"]
        let first = try await ChildProcess("fulmen", arguments: trainerArguments)
        let experiment = try await store.submit(ExperimentSubmission(name: "resume", spec: Data(Self.spec.utf8)))

        // Kill the trainer once it has checkpointed past the start.
        let checkpointed = try await eventually(timeout: .seconds(120)) {
            try await store.experiment(experiment.id).checkpoints.contains { $0.step >= 2 }
        }
        #expect(checkpointed, "the trainer never checkpointed")
        first.kill()
        let killedAt = try await store.experiment(experiment.id).checkpoints.map(\.step).max() ?? 0
        let restarted = Date()

        let second = try await ChildProcess("fulmen", arguments: trainerArguments)
        let finished = try await eventually(timeout: .seconds(240)) {
            try await store.experiment(experiment.id).status.isFinal
        }
        #expect(finished, "the restarted trainer did not finish the experiment")
        let final = try await store.experiment(experiment.id)
        #expect(final.status == .finished, "\(final.message ?? "")")
        #expect(final.message?.contains("11 steps") == true, "\(final.message ?? "")")
        #expect(final.trainer == "t1")
        // The second life started after the checkpoint, not from scratch: the first step it reported is the
        // one after the checkpoint, and the optimizer state was saved beside every checkpoint.
        let points = try await store.metrics(experiment.id, afterStep: nil)
        let secondLife = points.filter { $0.time > restarted }.map(\.step)
        #expect(secondLife.min() == killedAt + 1, "resumed at \(secondLife.min() ?? -1) after checkpoint \(killedAt)")
        #expect(Set(points.map(\.step)).isSuperset(of: 1...11))
        // GRPO's rate goes from learningRate at its first step (9) along a cosine to finalLearningRate at its last.
        let rates = Dictionary(
            points.compactMap { point in point[.grpoLearningRate].map { (point.step, $0) } }
        ) { first, _ in first }
        for (step, expected) in [(9, 1e-4), (10, 5.5e-5), (11, 1e-5)] {
            let rate = rates[step] ?? -1
            #expect(abs(rate - expected) < 1e-9, "step \(step): rate \(rate), expected \(expected)")
        }
        for checkpoint in final.checkpoints {
            let optimizer = checkpoint.location.replacingOccurrences(of: ".safetensors", with: ".optimizer.safetensors")
            #expect(FileManager.default.fileExists(atPath: optimizer), "no optimizer state beside \(checkpoint.location)")
        }

        // The control commands show what happened.
        let status = try await runFulmen(["status", experiment.id.rawValue, "--store", endpoint])
        #expect(status.status == 0 && status.output.contains("status: finished"), "\(status)")
        let rollouts = try await runFulmen(["rollouts", experiment.id.rawValue, "--store", endpoint, "--status", "succeeded"])
        let firstRollout = try #require(rollouts.output.split(separator: " ").first.map(String.init), "\(rollouts)")
        let traces = try await runFulmen(["traces", firstRollout, "--store", endpoint])
        #expect(traces.output.contains("fulmen.episode") && traces.output.contains("fulmen.llm"), "\(traces)")
        let tool = traces.output.split(separator: "\n").first { $0.contains("fulmen.tool") }
        #expect(tool?.hasPrefix("  fulmen.tool") == true && tool?.contains("calculator") == true, "the calculator call is not shown inside the episode: \(traces)")
        let export = try await runFulmen(["export", experiment.id.rawValue, "--store", endpoint])
        let lines = export.output.split(separator: "\n")
        #expect(lines.count >= 8, "\(export)")
        #expect(lines.allSatisfy { (try? JSONDecoder().decode(Triplet.self, from: Data($0.utf8))) != nil })
        #expect(export.errors.contains("exported \(lines.count) triplets"), "\(export.errors)")
        // SIGTERM is a clean stop.
        second.signal(SIGTERM)
        let stopped = await second.waitForExit()
        #expect(stopped.status == 0 && stopped.output.contains("trainer t1 stopped"), "\(stopped)")
        runner.kill()
        storeProcess.kill()
        await system.shutdown()
    }

    @Test func grpoReportsEachEpisodesOutcomeNotTheCreditOfItsFirstMove() async throws {
        let processes = try await SystemProcesses(runner: ["--concurrency", "8", "--tasks", "maze"])
        // Under intermediate credit a maze move's sample carries the reward right after it (a step penalty,
        // and the goal's 1 on the move that reached it), never an episode's outcome, which is 0 or 1.
        let experiment = try await runExperiment(
            "task: maze\nsplit: { train: 20, validation: 2 }\ngrpo: { steps: 1, problemsPerStep: 2, groupSize: 2 }\n"
                + "evaluation: { every: 1000, problems: 2 }\nadapter: { creditAssignment: intermediate }\n",
            name: "maze-credit", on: processes.store)
        #expect(experiment.status == .finished, "\(experiment.message ?? "")")
        let metrics = try await processes.store.metrics(experiment.id, afterStep: nil)
        let step = try #require(metrics.first { $0[.grpoRollouts] != nil }, "\(metrics)")
        let reward = try #require(step[.grpoReward])
        #expect((0...1).contains(reward) && reward == step[.grpoSuccess], "\(step.values)")
        await processes.stop()
    }

    @Test func validationSuccessRisesOverAShortExperiment() async throws {
        let processes = try await SystemProcesses(runner: ["--concurrency", "16", "--tasks", "calc"])
        let store = processes.store
        let spec = """
            task: calc
            split: { train: 500, validation: 40 }
            sft: { steps: 200, batchSize: 32, learningRate: 0.001 }
            grpo: { steps: 3, problemsPerStep: 4, groupSize: 4, dynamicSampling: true }
            search: { candidates: [{temperature: 2.0}, {temperature: 0}], beam: 1, rounds: 1, problems: 20 }
            evaluation: { every: 100, problems: 40 }
            """
        let experiment = try await expectValidationRises(spec, name: "learn", on: store)
        // GRPO steps reported their groups (dynamic sampling draws up to four times the step's when groups
        // agree), their rollouts and reward.
        let grpo = try await store.metrics(experiment, afterStep: 200).filter { $0[.grpoGroups] != nil }
        #expect(grpo.count == 3)
        for point in grpo {
            let groups = point[.grpoGroups] ?? 0
            #expect(groups >= 4 && groups <= 16 && point[.grpoRollouts] == groups * 4, "\(point.values)")
            #expect(point[.grpoReward] != nil)
        }
        // The search over sampling settings found that a warm start samples better cold than hot.
        let search = try #require(try await store.metrics(experiment, afterStep: 203).first)
        #expect(search.step == 204 && search[.searchBestCandidate] == 1, "\(search.values)")
        #expect((search[.searchCandidate(1)] ?? 0) > (search[.searchCandidate(0)] ?? 1), "\(search.values)")
        let final = try await store.experiment(experiment)
        #expect(final.message?.contains("sampling: candidate 2 of 2") == true, "\(final.message ?? "")")

        // A fresh model distils the successful episodes GRPO collected (SFT on traces): it trains on them,
        // and its loss falls. A sub-agent that made no call in any episode has nothing to imitate.
        let distil = try await runExperiment(
            "task: calc\nsplit: { train: 500, validation: 40 }\nsft: { source: traces, steps: 60, batchSize: 16 }\n"
                + "evaluation: { every: 1000, problems: 8 }\n", name: "distil", on: store)
        #expect(distil.status == .finished, "\(distil.message ?? "")")
        let distilled = try await store.metrics(distil.id, afterStep: nil)
        let episodes = distilled.first { $0[.sftTraceEpisodes] != nil }?[.sftTraceEpisodes] ?? 0
        let losses = distilled.compactMap { $0[.sftLoss] }
        #expect(episodes >= 1 && (losses.last ?? 9) < (losses.first ?? 0), "\(episodes) episodes, losses \(losses)")
        let nothing = try await runExperiment(
            "task: calc\nsft: { source: traces, steps: 5 }\nadapter: { agent: nobody }\nsplit: { validation: 8 }\n"
                + "evaluation: { problems: 4 }\n", name: "nothing", on: store)
        #expect(
            nothing.status == .failed && nothing.message?.contains("no successful training episode of task calc") == true
                && nothing.message?.contains("sub-agent nobody") == true, "\(nothing.message ?? "")")
        await processes.stop()
    }

    @Test func submitRefusesABadSpecNamingTheField() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
        try Data("task: calc\ngrpo: { groupSize: 1 }\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await runFulmen(["submit", file.path, "--store", "tcp://127.0.0.1:9"])
        #expect(result.status != 0)
        #expect(result.errors.contains("grpo.groupSize: must be at least 2"), "\(result.errors)")

        let missing = try await runFulmen(["submit", "/nonexistent/spec.yaml"])
        #expect(missing.status != 0 && missing.errors.contains("cannot read /nonexistent/spec.yaml"))

        let runnerTasks = try await runFulmen(["runner", "--store", "tcp://127.0.0.1:9", "--tasks", "calc,chess"])
        #expect(runnerTasks.status != 0 && runnerTasks.errors.contains("chess"), "\(runnerTasks.errors)")
    }

    /// Runs the `fulmen` executable to its end; answers its exit status and what it wrote.
    func runFulmen(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await runToEnd("fulmen", arguments: arguments)
    }
}
