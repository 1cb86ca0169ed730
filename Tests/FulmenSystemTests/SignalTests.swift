import Foundation
import FulmenCore
import Glibc
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// How the long-running commands end on a signal: SIGTERM drains and exits 0, Ctrl-C (SIGINT) drains too
/// but exits 130, as shells expect.
@Suite("System: commands stopped by signals")
struct SignalTests {
    @Test func aRunnerDrainsOnEitherSignalAndExits130OnlyOnCtrlC() async throws {
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let store = try await ChildProcess("fulmen", arguments: ["store", "--in-memory", "--bind", endpoint, "--log-level", "critical"])
        for (signal, status) in [(SIGTERM, Int32(0)), (SIGINT, Int32(130))] {
            let runner = try await ChildProcess(
                "fulmen", arguments: ["runner", "--store", endpoint, "--tasks", "calc", "--log-level", "critical", "--progress", "1"])
            runner.signal(signal)
            let exit = await runner.waitForExit()
            #expect(exit.status == status, "signal \(signal): \(exit.output)")
            #expect(exit.output.contains("runner stopped:"), "signal \(signal): \(exit.output)")
        }
        // The store drains too, and SIGTERM is a clean end for it.
        store.signal(SIGTERM)
        #expect(await store.waitForExit().status == 0)
    }

    @Test func aTrainerStopsOnEitherSignalAndExits130OnlyOnCtrlC() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-signals-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let store = try await ChildProcess("fulmen", arguments: ["store", "--in-memory", "--bind", endpoint, "--log-level", "critical"])
        for (signal, status) in [(SIGTERM, Int32(0)), (SIGINT, Int32(130))] {
            let trainer = try await ChildProcess(
                "fulmen", arguments: ["trainer", "--store", endpoint, "--data", data.path, "--log-level", "critical"])
            trainer.signal(signal)
            let exit = await trainer.waitForExit()
            #expect(exit.status == status, "signal \(signal): \(exit.output)")
            #expect(exit.output.contains("stopped; a trainer started again with this name resumes"), "\(exit.output)")
        }
        store.kill()
    }

    @Test func upStoppedWithCtrlCSaysSoAndExits130() async throws {
        let spec = FileManager.default.temporaryDirectory.appendingPathComponent("up-\(UUID().uuidString).yaml")
        try Data("task: calc\nsft: { steps: 100000 }\nevaluation: { problems: 4 }\n".utf8).write(to: spec)
        defer { try? FileManager.default.removeItem(at: spec) }
        let up = try await ChildProcess("fulmen", arguments: ["up", "--experiment", spec.path, "--concurrency", "4"])
        #expect(up.readyLine.hasPrefix("fulmen up: store, runner pool"), "\(up.readyLine)")
        up.signal(SIGINT)
        let exit = await up.waitForExit()
        #expect(exit.status == 130, "\(exit.output)")
        #expect(exit.output.contains("stopped by signal; experiment"), "\(exit.output)")
    }
}
