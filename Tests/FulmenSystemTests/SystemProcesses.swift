import Foundation
import FulmenCore
import ZMQActorSystem
import ZMQTestSupport

/// A store (in memory), a runner pool and a trainer as separate `fulmen` processes on loopback, and a client
/// of the store in the test process.
struct SystemProcesses {
    let storeProcess: ChildProcess
    let runner: ChildProcess
    let trainer: ChildProcess
    let system: ZMQActorSystem
    let store: $ControlStore<ZMQActorSystem>
    /// The trainer's data directory.
    let data: URL
    /// Where the store listens.
    let storeEndpoint: String

    /// - Parameters:
    ///   - runnerArguments: the `fulmen runner` options besides its store and logging, e.g.
    ///     `["--concurrency", "8", "--tasks", "calc"]`.
    ///   - trainerExecutable: the executable whose `trainer` command runs the trainer: `fulmen`, or a user's own
    ///     with more algorithms registered.
    init(runner runnerArguments: [String], trainerExecutable: String = "fulmen") async throws {
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        storeEndpoint = endpoint
        data = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-system-\(UUID().uuidString)")
        storeProcess = try await ChildProcess(
            "fulmen", arguments: ["store", "--in-memory", "--bind", endpoint, "--log-level", "critical"])
        runner = try await ChildProcess(
            "fulmen",
            arguments: ["runner", "--store", endpoint, "--log-level", "critical", "--progress", "0"] + runnerArguments)
        trainer = try await ChildProcess(
            trainerExecutable, arguments: ["trainer", "--store", endpoint, "--data", data.path, "--name", "learner", "--log-level", "critical"])
        system = try ZMQActorSystem(settings: testSettings { $0.defaultCallTimeout = .seconds(10) })
        store = try $ControlStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)
    }

    /// Kills the processes and removes the trainer's data.
    func stop() async {
        trainer.kill()
        runner.kill()
        storeProcess.kill()
        await system.shutdown()
        try? FileManager.default.removeItem(at: data)
    }
}
