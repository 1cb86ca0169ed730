import FulmenCore
import FulmenRunner
import Foundation
import RunnerTestSupport
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// A runner pool in the test process serving a store in its own OS process.
@Suite("Runner: pool against a store process")
struct RunnerPoolTests {
    typealias Key = SpanConvention.Attribute

    @Test func episodesRunConcurrentlyAndComplete() async throws {
        let fixture = try await RunnerFixture()
        let log = EpisodeLog()
        let pool = try fixture.pool([BarrierAgent(count: 4, log: log)], concurrency: 4)
        let running = Task { try await pool.run() }
        let ids = try await fixture.enqueue("barrier", Array(repeating: BarrierAgent.Input(), count: 4))
        #expect(try await fixture.settled(ids))
        for id in ids { #expect(try await fixture.status(id) == .succeeded, "\(id): four episodes never ran at once") }
        await pool.shutdown()
        try await running.value
        let statistics = await pool.statistics()
        #expect(statistics.succeeded == 4 && statistics.failed == 0 && statistics.claimed == 4)
        #expect(try await fixture.store.workers().first { $0.id == "pool" }?.status == .left)
    }

    @Test func aFailingEpisodeIsReportedFailedAndThePoolGoesOn() async throws {
        let fixture = try await RunnerFixture()
        let pool = try fixture.pool([FailingAgent(), SleepAgent()], concurrency: 2)
        let running = Task { try await pool.run() }
        let failing = try await fixture.enqueue("fail", [FailingAgent.Input(message: "bad luck")])
        let undecodable = try await fixture.enqueue("sleep", [FailingAgent.Input(message: "not a sleep input")], prefix: "odd")
        let fine = try await fixture.enqueue("sleep", Array(repeating: SleepAgent.Input(milliseconds: 10), count: 5))
        #expect(try await fixture.settled(failing + undecodable + fine))

        let failed = try await fixture.store.rollout(failing[0])
        #expect(failed.rollout.status == .failed)
        #expect(failed.attempts.map(\.error) == ["the agent gave up: bad luck"])
        let odd = try await fixture.store.rollout(undecodable[0])
        #expect(odd.attempts.first?.error?.hasPrefix("the input of this 'sleep' rollout does not decode") == true)
        for id in fine { #expect(try await fixture.status(id) == .succeeded) }

        // The failed episode's spans were uploaded before it was completed: its reward and its root span.
        let spans = try await fixture.store.spans(SpanQuery(rollout: failing[0])).items.map(\.span)
        #expect(spans.map(\.name) == [SpanConvention.reward, SpanConvention.episode])
        #expect(spans.last?.error == "the agent gave up: bad luck")
        await pool.shutdown()
        try await running.value
    }

    @Test func modelCallsLandInTheStoreWithTheirTokensAndWeightsVersion() async throws {
        let fixture = try await RunnerFixture()
        let snapshot = try await fixture.publishPolicy(seed: 3)
        let pool = try fixture.pool([ModelAgent()], concurrency: 4)
        let running = Task { try await pool.run() }
        let ids = try await fixture.enqueue("model", (0..<6).map { ModelAgent.Input(prompt: "Q:\($0)+1\n") })
        #expect(try await fixture.settled(ids))

        for id in ids {
            #expect(try await fixture.status(id) == .succeeded)
            let stored = try await fixture.store.spans(SpanQuery(rollout: id)).items
            #expect(stored.map(\.sequence) == Array(1...stored.count))
            let calls = stored.map(\.span).filter { $0.name == SpanConvention.modelCall }
            #expect(calls.count == 2)
            #expect(calls.allSatisfy { $0.attributes[Key.weightsVersion] == .int(snapshot.id) })
            #expect(calls.first?.attributes[Key.promptTokens] == .ints(Array("Q:\(id.rawValue.last!)+1\n".utf8).map(Int.init)))
            let tree = Dictionary(uniqueKeysWithValues: stored.map { ($0.span.id, $0.span) })
            #expect(stored.allSatisfy { $0.span.parent == nil || tree[$0.span.parent!] != nil })
        }
        await pool.shutdown()
        try await running.value
        let statistics = await pool.statistics()
        #expect(statistics.weightFetches == 1, "one version's weights were fetched \(statistics.weightFetches) times")
    }

    @Test func weightsAreFetchedOncePerVersion() async throws {
        let fixture = try await RunnerFixture()
        let first = try await fixture.publishPolicy(seed: 1)
        let pool = try fixture.pool([ModelAgent()], concurrency: 3)
        let running = Task { try await pool.run() }
        let early = try await fixture.enqueue("model", (0..<4).map { _ in ModelAgent.Input(prompt: "A") }, prefix: "early")
        #expect(try await fixture.settled(early))
        #expect(await pool.statistics().weightFetches == 1)

        let second = try await fixture.publishPolicy(seed: 2)
        let late = try await fixture.enqueue("model", (0..<4).map { _ in ModelAgent.Input(prompt: "A") }, prefix: "late")
        let pinnedToFirst = try await fixture.enqueue(
            "model", [ModelAgent.Input(prompt: "A")], prefix: "old", pin: .snapshot(first.id))
        #expect(try await fixture.settled(late + pinnedToFirst))
        #expect(await pool.statistics().weightFetches == 2, "a cached version was fetched again")
        for (id, version) in [(late[0], second.id), (pinnedToFirst[0], first.id)] {
            let call = try await fixture.store.spans(SpanQuery(rollout: id, name: SpanConvention.modelCall)).items.first
            #expect(call?.span.attributes[Key.weightsVersion] == .int(version))
        }
        await pool.shutdown()
        try await running.value
    }

    @Test func cancellingARolloutCancelsItsEpisode() async throws {
        let fixture = try await RunnerFixture()
        let log = EpisodeLog()
        let pool = try fixture.pool([HoldingAgent(log: log), SleepAgent()], concurrency: 2)
        let running = Task { try await pool.run() }
        let held = try await fixture.enqueue("hold", [HoldingAgent.Input(name: "h")])
        #expect(await eventually { log.entries.contains("started h") })
        #expect(try await fixture.control.cancel(held) == 1)
        #expect(await eventually { log.entries.contains("cancelled h") }, "the episode never saw the cancellation")
        #expect(try await fixture.status(held[0]) == .cancelled)

        // The pool goes on with other work, and counted the episode as cancelled, not failed.
        let next = try await fixture.enqueue("sleep", [SleepAgent.Input(milliseconds: 1)])
        #expect(try await fixture.settled(next))
        #expect(try await fixture.status(next[0]) == .succeeded)
        let statistics = await pool.statistics()
        #expect(statistics.cancelled == 1 && statistics.failed == 0)
        await pool.shutdown()
        try await running.value
    }

    @Test func aPoolRefusesAConfigurationItCannotRun() async throws {
        let fixture = try await RunnerFixture()
        #expect(throws: RunnerError.invalidConfiguration("two agents run the task 'sleep'")) {
            try RunnerPool(store: fixture.runnerStore, agents: [SleepAgent(), SleepAgent()])
        }
        #expect(throws: RunnerError.invalidConfiguration("concurrency must be at least 1, not 0")) {
            try RunnerPool(store: fixture.runnerStore, agents: [SleepAgent()], configuration: .init(concurrency: 0))
        }
    }
}

/// Runner pools as their own OS processes, stopped with SIGTERM.
@Suite("Runner: process shutdown")
struct RunnerProcessTests {
    @Test func sigtermLetsRunningEpisodesFinishWithinTheGracePeriod() async throws {
        let fixture = try await RunnerFixture()
        let runner = try await ChildProcess(
            "RunnerTestNode", arguments: ["--store", fixture.endpoint, "--worker", "graceful", "--grace", "10"])
        #expect(runner.readyLine == "STARTED")
        let ids = try await fixture.enqueue("sleep", Array(repeating: SleepAgent.Input(milliseconds: 1500), count: 2))
        #expect(try await eventually { try await fixture.status(ids[1]) == .running })
        runner.signal(SIGTERM)
        let exit = await runner.waitForExit()
        #expect(exit.status == 0)
        #expect(exit.output.contains("STOPPED succeeded=2 handedBack=0"), "\(exit.output)")
        for id in ids { #expect(try await fixture.status(id) == .succeeded) }
        #expect(try await fixture.store.workers().first { $0.id == "graceful" }?.status == .left)
    }

    @Test func poolsJoiningOneStoreShareItsWork() async throws {
        let fixture = try await RunnerFixture()
        let runners = [
            try await ChildProcess("RunnerTestNode", arguments: ["--store", fixture.endpoint, "--worker", "first"]),
            try await ChildProcess("RunnerTestNode", arguments: ["--store", fixture.endpoint, "--worker", "second"]),
        ]
        #expect(try await eventually { try await fixture.store.workers().count == 2 })
        let ids = try await fixture.enqueue("sleep", Array(repeating: SleepAgent.Input(milliseconds: 200), count: 8))
        #expect(try await fixture.settled(ids))
        var workers: Set<WorkerID> = []
        for id in ids {
            let detail = try await fixture.store.rollout(id)
            #expect(detail.rollout.status == .succeeded)
            workers.formUnion(detail.attempts.map(\.worker))
        }
        #expect(workers == ["first", "second"], "one pool took all the work")
        for runner in runners { runner.signal(SIGTERM) }
        for runner in runners { #expect(await runner.waitForExit().status == 0) }
    }

    @Test func aPoolCarriesOnWhenItsStoreRestarts() async throws {
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let arguments = ["store", "--in-memory", "--bind", endpoint, "--log-level", "critical"]
        let first = try await ChildProcess("fulmen", arguments: arguments)
        let runner = try await ChildProcess("RunnerTestNode", arguments: ["--store", endpoint, "--worker", "steady"])
        let system = try ZMQActorSystem(settings: testSettings { $0.defaultCallTimeout = .seconds(5) })
        let store = try $TrainerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)
        func sleepers(_ prefix: String) -> [RolloutRequest] {
            (0..<3).map {
                RolloutRequest(id: RolloutID("\(prefix)-\($0)"), task: "sleep", input: Data(#"{"milliseconds":10}"#.utf8))
            }
        }
        func allSucceeded(_ prefix: String) async -> Bool {
            for i in 0..<3 where (try? await store.rollout(RolloutID("\(prefix)-\(i)")).rollout.status) != .succeeded {
                return false
            }
            return true
        }
        _ = try await store.enqueue(sleepers("before"))
        #expect(await eventually(timeout: .seconds(20)) { await allSucceeded("before") })

        first.kill()
        let second = try await ChildProcess("fulmen", arguments: arguments)
        // The new store knows nothing (it is in memory): the pool must register again to be given work.
        #expect(await eventually(timeout: .seconds(20)) { (try? await store.enqueue(sleepers("after"))) != nil })
        #expect(await eventually(timeout: .seconds(20)) { await allSucceeded("after") }, "the pool did not come back to the new store")
        runner.signal(SIGTERM)
        #expect(await runner.waitForExit().status == 0)
        second.kill()
        await system.shutdown()
    }

    @Test func sigtermHandsBackEpisodesThatOutlastTheGracePeriod() async throws {
        let fixture = try await RunnerFixture()
        let runner = try await ChildProcess(
            "RunnerTestNode", arguments: ["--store", fixture.endpoint, "--worker", "hasty", "--grace", "0.3"])
        let ids = try await fixture.enqueue(
            "sleep", [SleepAgent.Input(milliseconds: 600_000)],
            config: RolloutConfig(retry: RetryPolicy(maxAttempts: 3)))
        #expect(try await eventually { try await fixture.status(ids[0]) == .running })
        runner.signal(SIGTERM)
        let exit = await runner.waitForExit()
        #expect(exit.status == 0)
        #expect(exit.output.contains("STOPPED succeeded=0 handedBack=1"), "\(exit.output)")
        let detail = try await fixture.store.rollout(ids[0])
        #expect(detail.rollout.status == .requeuing, "the handed-back rollout is not queued again")
        #expect(detail.attempts.map(\.status) == [.unresponsive])
    }
}
