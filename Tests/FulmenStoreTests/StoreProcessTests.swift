import Foundation
import FulmenCore
import FulmenStore
import Synchronization
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// The store and its clients as separate OS processes over loopback TCP, killed with SIGKILL.
@Suite("Store: processes and faults")
struct StoreProcessTests {
    @Test func aKilledRunnerNodesAttemptsAreRetriedElsewhere() async throws {
        let fixture = try await StoreFixture()
        // A liveness window far longer than the test: only the node going down can end the attempt.
        try await fixture.enqueue(2, config: RolloutConfig(livenessWindow: .seconds(120), retry: RetryPolicy(maxAttempts: 2)))
        let runner = try await ChildProcess("StoreTestWorker", arguments: [
            "--store", fixture.system.node.endpoint, "--worker", "doomed", "--claim", "2",
        ])
        let claimed = runner.readyLine.split(separator: " ").dropFirst().map { AttemptID(String($0)) }
        #expect(claimed == ["r-0/attempt-1", "r-1/attempt-1"])
        #expect(try await fixture.status("r-0") == .running)

        runner.kill()
        let requeued = try await eventually(timeout: .seconds(15)) {
            let statuses = [try await fixture.status("r-0"), try await fixture.status("r-1")]
            return statuses == [.requeuing, .requeuing]
        }
        #expect(requeued, "the killed runner's attempts were not ended")
        #expect(try await fixture.store.workers().first { $0.id == "doomed" }?.status == .down)
        for claim in try await fixture.claim(2) {
            #expect(claim.sequence == 2)
            #expect(try await fixture.store.complete(claim.attempt, .succeeded) == .accepted)
        }
        let detail = try await fixture.store.rollout("r-0")
        #expect(detail.rollout.status == .succeeded && detail.attempts.map(\.status) == [.unresponsive, .succeeded])
    }

    @Test func aRunnerKilledDuringItsLongPollIsGivenNoWork() async throws {
        let fixture = try await StoreFixture()
        let runner = try await ChildProcess("StoreTestWorker", arguments: [
            "--store", fixture.system.node.endpoint, "--worker", "doomed", "--announce",
        ])
        #expect(runner.readyLine == "WAITING")
        try await Task.sleep(for: .milliseconds(300))
        runner.kill()
        let down = try await eventually { try await fixture.store.workers().first { $0.id == "doomed" }?.status == .down }
        #expect(down)
        try await fixture.enqueue(1)
        try await Task.sleep(for: .milliseconds(200))
        let detail = try await fixture.store.rollout("r-0")
        #expect(detail.rollout.status == .queuing && detail.attempts.isEmpty, "the dead runner's poll claimed work")
        #expect(try await fixture.claim().first?.sequence == 1)
    }

    @Test func aLongPollBegunBeforeItsNodeWentDownGetsNoWorkAfterTheNodeIsBack() async throws {
        let fixture = try await StoreFixture()
        let relay = try TCPRelay(to: fixture.system.node.endpoint)
        defer { relay.stop() }
        // The runner's own failure detection is slow, so that its long poll stays pending through the cut.
        let runner = try ZMQActorSystem(settings: testSettings { $0.heartbeatTimeout = .seconds(60) })
        let store = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: relay.endpoint), using: runner)
        let registration = WorkerRegistration(id: "cut-off", host: "test", concurrency: 1)
        try await shuttingDown(runner) {
            let registered = try await store.register(registration)
            let poll = Task { try await store.dequeue(DequeueRequest(worker: "cut-off", tasks: [], limit: 1, wait: .seconds(20))) }
            // The poll's first look records the worker as seen; it then waits in the store.
            let waiting = try await eventually {
                try await fixture.store.workers().first { $0.id == "cut-off" }.map { $0.lastSeen > registered.lastSeen } == true
            }
            #expect(waiting)
            await relay.hold()
            let down = try await eventually { try await fixture.store.workers().first { $0.id == "cut-off" }?.status == .down }
            #expect(down)
            relay.release()
            // Back: the runner's node calls again (once it has heard its new session) and is watched again.
            #expect(await eventually { (try? await store.register(registration)) != nil })
            try await fixture.enqueue(1)
            #expect(try await poll.value.isEmpty, "the long poll begun before the node went down claimed work")
            #expect(try await fixture.status("r-0") == .queuing)
        }
    }

    @Test func aStoreKilledUnderLoadKeepsEverythingItAcknowledged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let arguments = ["store", "--data", directory.path, "--bind", endpoint, "--log-level", "critical"]
        let first = try await ChildProcess("fulmen", arguments: arguments)
        #expect(first.readyLine.hasPrefix("store ready at \(endpoint)"))

        let system = try ZMQActorSystem(settings: testSettings { $0.defaultCallTimeout = .seconds(5) })
        // The test plays a trainer (enqueues, then reads everything back) and a runner (claims and reports).
        let store = try $TrainerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)
        let runner = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)
        _ = try await runner.register(WorkerRegistration(id: "loader", host: "test", concurrency: 1))
        let acknowledged = Acknowledged()

        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        for batch in 0... {
                            let ids = (0..<10).map { RolloutID("w\(writer)-\(batch)-\($0)") }
                            guard (try? await store.enqueue(ids.map { RolloutRequest(id: $0, task: "calc", input: Data("{}".utf8)) })) != nil
                            else { return }
                            acknowledged.enqueued(ids)
                        }
                    }
                }
                group.addTask {
                    while true {
                        guard let claims = try? await runner.dequeue(DequeueRequest(worker: "loader", limit: 5, wait: .milliseconds(100)))
                        else { return }
                        for claim in claims {
                            guard let receipt = try? await runner.addSpans([span("step")], to: claim.attempt) else { return }
                            acknowledged.span(claim.rollout.id, receipt.firstSequence)
                            guard (try? await runner.complete(claim.attempt, .succeeded)) == .accepted else { return }
                            acknowledged.completed(claim.rollout.id)
                        }
                    }
                }
            }
        }
        // Kill it once it carries real load (however slowly a busy machine gets there).
        _ = await eventually(timeout: .seconds(60)) {
            let (enqueued, completed, _) = acknowledged.snapshot
            return enqueued.count > 100 && completed.count > 10
        }
        first.kill()
        await load.value
        let (enqueued, completed, spans) = acknowledged.snapshot
        #expect(enqueued.count > 100 && completed.count > 10, "too little load to test: \(enqueued.count) enqueued, \(completed.count) completed")

        let second = try await ChildProcess("fulmen", arguments: arguments)
        #expect(second.readyLine.hasPrefix("store ready at \(endpoint)"))
        // Calls fail fast while this node still counts the store as down; it reconnects by itself.
        var reconnected = false
        for _ in 0..<100 where !reconnected {
            reconnected = (try? await store.statistics()) != nil
            if !reconnected { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reconnected, "never reconnected to the restarted store")
        let unknown = await storeError { try await store.rollout("no-such-rollout") }
        #expect(unknown?.code == .notFound && unknown?.message.contains("no-such-rollout") == true)
        var stored: [RolloutID: RolloutStatus] = [:]
        var cursor: PageCursor?
        repeat {
            let page = try await store.rollouts(RolloutQuery(page: PageRequest(after: cursor, limit: 1000)))
            for rollout in page.items { stored[rollout.id] = rollout.status }
            cursor = page.next
        } while cursor != nil
        let lost = enqueued.filter { stored[$0] == nil }
        #expect(lost.isEmpty, "\(lost.count) acknowledged rollouts lost, e.g. \(lost.prefix(3))")
        let unsettled = completed.filter { stored[$0] != .succeeded }
        #expect(unsettled.isEmpty, "\(unsettled.count) acknowledged completions lost")
        for (rollout, sequence) in spans.prefix(50) {
            let found = try await store.spans(SpanQuery(rollout: rollout, attempts: .all))
            #expect(found.items.map(\.sequence).contains(sequence), "span \(sequence) of \(rollout) lost")
        }
        await system.shutdown()
    }
}

/// What a store acknowledged to the load of the kill test.
final class Acknowledged: Sendable {
    private let state = Mutex<(enqueued: [RolloutID], completed: [RolloutID], spans: [(RolloutID, Int)])>(([], [], []))

    func enqueued(_ ids: [RolloutID]) { state.withLock { $0.enqueued += ids } }
    func completed(_ id: RolloutID) { state.withLock { $0.completed.append(id) } }
    func span(_ rollout: RolloutID, _ sequence: Int?) {
        guard let sequence else { return }
        state.withLock { $0.spans.append((rollout, sequence)) }
    }

    var snapshot: (enqueued: [RolloutID], completed: [RolloutID], spans: [(RolloutID, Int)]) { state.withLock { $0 } }
}
