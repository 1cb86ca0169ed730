import Foundation
import FulmenCore
import FulmenStore
import Testing
import ZMQActorSystem
import ZMQTestSupport

@Suite("Store: spans, resources, workers, experiments")
struct StoreRecordsTests {
    @Test func spansAreNumberedPerAttemptAndReadByAttemptNameAndPage() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(1, config: RolloutConfig(retry: RetryPolicy(maxAttempts: 2, retryOn: [.failed])))
        let first = try #require(try await fixture.claim().first).attempt
        let receipt = try await fixture.store.addSpans([span("llm"), span("tool")], to: first)
        #expect(receipt == SpanReceipt(answer: .accepted, firstSequence: 1))
        _ = try await fixture.store.complete(first, .failed(error: "retry me"))
        let second = try #require(try await fixture.claim().first).attempt
        let tokens = SpanValue.ints(Array(0..<300))
        for batch in 0..<3 {
            let spans = (0..<10).map { span($0 % 2 == 0 ? "llm" : "reward", attributes: ["tokens": tokens, "batch": .int(batch)]) }
            let receipt = try await fixture.store.addSpans(spans, to: second)
            #expect(receipt.firstSequence == batch * 10 + 1)
        }

        let latest = try await fixture.store.spans(SpanQuery(rollout: "r-0"))
        #expect(latest.items.map(\.sequence) == Array(1...30))
        #expect(latest.items.allSatisfy { $0.attempt == second && $0.span.attributes["tokens"] == tokens })
        let all = try await fixture.store.spans(SpanQuery(rollout: "r-0", attempts: .all))
        #expect(all.items.count == 32 && all.items.first?.attempt == first)
        let firstOnly = try await fixture.store.spans(SpanQuery(rollout: "r-0", attempts: .only(first)))
        #expect(firstOnly.items.map(\.span.name) == ["llm", "tool"])

        var rewards: [Int] = []
        var cursor: PageCursor?
        repeat {
            let page = try await fixture.store.spans(SpanQuery(rollout: "r-0", name: "reward", page: PageRequest(after: cursor, limit: 4)))
            rewards += page.items.map(\.sequence)
            cursor = page.next
        } while cursor != nil
        #expect(rewards == Array(stride(from: 2, through: 30, by: 2)))

        let stale = try await fixture.store.addSpans([span("late")], to: first)
        #expect(stale == SpanReceipt(answer: .superseded, firstSequence: nil))
        let unknown = await storeError { try await fixture.store.spans(SpanQuery(rollout: "r-0", attempts: .only("r-0/attempt-9"))) }
        #expect(unknown?.code == .notFound)
    }

    @Test func spansCountAsHeartbeats() async throws {
        let fixture = try await StoreFixture()
        // Twenty-five spans 100 ms apart outlast a 1-second window several times over.
        try await fixture.enqueue(1, config: RolloutConfig(livenessWindow: .seconds(1)))
        let attempt = try #require(try await fixture.claim().first).attempt
        for _ in 0..<25 {
            _ = try await fixture.store.addSpans([span("step")], to: attempt)
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await fixture.status("r-0") == .preparing)
    }

    @Test func rolloutsPinTheLatestSnapshotAndContentIsKeptOnce() async throws {
        let fixture = try await StoreFixture()
        #expect(try await fixture.store.resources(nil) == nil)
        let unpinned = try await fixture.enqueue(1, prefix: "before")
        #expect(unpinned[0].resources == nil)

        let weights = safetensors(floats: [1, 2, 3, 4])
        let first = try await fixture.store.publish(ResourcePublication(resources: [
            "system": .promptTemplate("You are a calculator."),
            "policy": ResourceContent(kind: .weights, data: weights),
        ]))
        #expect(first.id == 1)
        #expect(first.resources["system"]?.inline == Data("You are a calculator.".utf8))
        #expect(first.resources["policy"]?.inline == nil && first.resources["policy"]?.size == weights.count)
        let pinnedFirst = try await fixture.enqueue(1, prefix: "first")
        #expect(pinnedFirst[0].resources == 1)

        let second = try await fixture.store.publish(ResourcePublication(resources: ["system": .promptTemplate("Be brief.")]))
        #expect(second.id == 2 && second.resources["policy"] == first.resources["policy"], "weights did not carry over")
        #expect(try await fixture.enqueue(1, prefix: "second")[0].resources == 2)
        let chosen = try await fixture.store.enqueue([RolloutRequest(task: "calc", input: Data(), resources: .snapshot(1))])
        #expect(chosen[0].resources == 1)
        #expect(try await fixture.store.resources(1) == first)
        #expect(try await fixture.store.resources(nil)?.id == 2)

        let hash = try #require(first.resources["policy"]?.hash)
        #expect(hash.count == 64)
        #expect(try await fixture.store.resourceContent(hash: hash) == weights)
        let replaced = try await fixture.store.publish(ResourcePublication(resources: [:], carryOverLatest: true))
        #expect(replaced.resources == second.resources)
        let missing = await storeError { try await fixture.store.resourceContent(hash: "00") }
        #expect(missing?.code == .notFound)
        let unknownSnapshot = await storeError { try await fixture.store.resources(42) }
        #expect(unknownSnapshot?.code == .notFound)
    }

    @Test func malformedResourcesAreRefusedByName() async throws {
        let fixture = try await StoreFixture()
        let cases: [(String, ResourceContent, String)] = [
            ("template", ResourceContent(kind: .promptTemplate, data: Data([0xff, 0xfe])), "UTF-8"),
            ("settings", ResourceContent(kind: .settings, data: Data("[1, 2]".utf8)), "JSON object"),
            ("weights", ResourceContent(kind: .weights, data: Data([1, 2, 3])), "safetensors"),
            ("weights", ResourceContent(kind: .weights, data: truncated(safetensors(floats: [1, 2]))), "data offsets"),
        ]
        for (name, content, reason) in cases {
            let error = await storeError { try await fixture.store.publish(ResourcePublication(resources: [name: content])) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("resources[\(name)]") == true && error?.message.contains(reason) == true, "\(String(describing: error))")
        }
        let empty = await storeError { try await fixture.store.publish(ResourcePublication(resources: [:])) }
        #expect(empty?.code == .invalidArgument && empty?.message.contains("at least one resource") == true)
        #expect(try await fixture.store.resources(nil) == nil, "a refused publication left a snapshot")
        let settings = ResourceContent(kind: .settings, data: Data("{\"temperature\": 0.7}".utf8))
        #expect(try await fixture.store.publish(ResourcePublication(resources: ["sampling": settings])).id == 1)
    }

    @Test func workersRegisterHeartbeatAndLeave() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(1, config: RolloutConfig(retry: RetryPolicy(maxAttempts: 2)))
        let claim = try #require(try await fixture.claim().first)
        try await fixture.store.workerHeartbeat(fixture.worker, WorkerSnapshot(runningEpisodes: 1, loadAverage: 0.5, residentBytes: 1 << 20))
        let worker = try #require(try await fixture.store.workers().first)
        #expect(worker.status == .active && worker.snapshot?.runningEpisodes == 1 && worker.activeAttempts == [claim.attempt])
        try await fixture.store.unregister(fixture.worker)
        #expect(try await fixture.store.workers().first?.status == .left)
        #expect(try await fixture.status("r-0") == .requeuing)
        // A worker the store does not know is told so by a code of its own, which a runner pool
        // answers by registering again (RunnerPoolTests, aPoolCarriesOnWhenItsStoreRestarts).
        let unknown = await storeError { try await fixture.store.workerHeartbeat("ghost", WorkerSnapshot(runningEpisodes: 0, loadAverage: 0, residentBytes: 0)) }
        #expect(unknown == StoreError(.unknownWorker, "no worker ghost: register it first"))
        let claimed = await storeError { try await fixture.claim(worker: "ghost") }
        #expect(claimed?.code == .unknownWorker)
        #expect(await storeError { try await fixture.store.unregister("ghost") }?.code == .unknownWorker)
        #expect(await storeError { try await fixture.store.rollout("ghost") }?.code == .notFound)
    }

    @Test func experimentsAreClaimedRunAndCancelledWithTheirRollouts() async throws {
        let fixture = try await StoreFixture()
        let waiting = Task { try await fixture.store.claimExperiment(trainer: "trainer-1", wait: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        let submitted = try await fixture.store.submit(ExperimentSubmission(id: "exp-1", name: "calc grpo", spec: Data("algorithm: grpo".utf8)))
        #expect(submitted.status == .submitted)
        #expect(try await fixture.store.submit(ExperimentSubmission(id: "exp-1", name: "again", spec: Data())).name == "calc grpo")
        let claimed = try #require(try await waiting.value)
        #expect(claimed.id == "exp-1" && claimed.status == .running && claimed.trainer == "trainer-1")
        #expect(try await fixture.store.claimExperiment(trainer: "trainer-1", wait: .zero)?.id == "exp-1", "a restarted trainer did not get its experiment back")
        #expect(try await fixture.store.claimExperiment(trainer: "trainer-2", wait: .zero) == nil)

        try await fixture.store.reportMetrics("exp-1", [
            MetricPoint(step: 1, time: Date(), values: ["reward": 0.25, "loss": 2.0]),
            MetricPoint(step: 2, time: Date(), values: ["reward": 0.5, "loss": 1.5]),
        ])
        #expect(try await fixture.store.metrics("exp-1", afterStep: 1).map(\.values["reward"]) == [0.5])
        try await fixture.store.addCheckpoint("exp-1", Checkpoint(step: 2, location: "/data/step-2", resources: nil, createdAt: Date()))
        #expect(try await fixture.store.experiment("exp-1").checkpoints.map(\.step) == [2])

        try await fixture.enqueue(3, experiment: "exp-1")
        let claim = try #require(try await fixture.claim().first)
        let cancelled = try await fixture.store.cancelExperiment("exp-1")
        #expect(cancelled.status == .cancelled && cancelled.endedAt != nil)
        #expect(try await fixture.store.heartbeat(claim.attempt) == .cancelled)
        let rollouts = try await fixture.store.rollouts(RolloutQuery(experiment: "exp-1"))
        #expect(rollouts.items.allSatisfy { $0.status == .cancelled })

        let illegal = await storeError { try await fixture.store.updateExperiment("exp-1", status: .running, message: nil) }
        #expect(illegal?.code == .illegalTransition && illegal?.message.contains("cancelled to running") == true)
        let badMetric = await storeError { try await fixture.store.reportMetrics("exp-1", [MetricPoint(step: 3, time: Date(), values: ["loss": .nan])]) }
        #expect(badMetric?.code == .invalidArgument)
        let unknown = await storeError { try await fixture.store.experiment("exp-9") }
        #expect(unknown?.code == .notFound)
        let noExperiment = await storeError { try await fixture.enqueue(1, prefix: "x", experiment: "exp-9") }
        #expect(noExperiment?.code == .notFound)
    }

    @Test func statisticsCountWhatIsThere() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(5)
        let claims = try await fixture.claim(2)
        _ = try await fixture.store.addSpans([span("a"), span("b")], to: claims[0].attempt)
        _ = try await fixture.store.complete(claims[0].attempt, .succeeded)
        let statistics = try await fixture.store.statistics()
        #expect(statistics.rollouts == [.queuing: 3, .preparing: 1, .succeeded: 1])
        #expect(statistics.queueDepth == 3 && statistics.activeAttempts == 1 && statistics.activeWorkers == 1)
        #expect(statistics.spans == 2)
        #expect(statistics.enqueuedPerSecond == 5.0 / 60 && statistics.settledPerSecond == 1.0 / 60)
    }

    @Test func aSecondStoreOnTheSameDirectoryIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await StoreFixture(location: .directory(directory))
        let system = try ZMQActorSystem(settings: testSettings())
        let error = #expect(throws: StoreError.self) {
            _ = try StoreActor(configuration: StoreConfiguration(location: .directory(directory)), actorSystem: system)
        }
        #expect(error?.message.contains("is in use: another store is running on it") == true)
        #expect(try await first.store.statistics().rollouts.isEmpty, "the first store stopped serving")
    }

    @Test func aReopenedDatabaseHasEverythingAndGivesRunningAttemptsANewWindow() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var attempt: AttemptID
        do {
            let fixture = try await StoreFixture(location: .directory(directory))
            try await fixture.enqueue(3, config: RolloutConfig(livenessWindow: .seconds(2)))
            attempt = try #require(try await fixture.claim().first).attempt
            _ = try await fixture.store.addSpans([span("kept")], to: attempt)
            _ = try await fixture.store.publish(ResourcePublication(resources: ["system": .promptTemplate("hi")]))
            await fixture.system.shutdown()
        }
        let reopened = try await reopen(directory)
        #expect(try await reopened.store.rollouts(RolloutQuery()).items.count == 3)
        #expect(try await reopened.store.spans(SpanQuery(rollout: "r-0")).items.map(\.span.name) == ["kept"])
        #expect(try await reopened.store.resources(nil)?.id == 1)
        #expect(try await reopened.store.heartbeat(attempt) == .accepted, "the attempt of the previous life was not recovered")
        #expect(try await eventually { try await reopened.status("r-0") == .requeuing }, "a silent recovered attempt never ended")
    }
}

/// A store on `directory` once the store that had it open is gone (its actor is released as its
/// last task ends, which may take a moment).
func reopen(_ directory: URL) async throws -> StoreFixture {
    for _ in 0..<100 {
        do {
            return try await StoreFixture(location: .directory(directory))
        } catch let error as StoreError where error.message.contains("in use") {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
    return try await StoreFixture(location: .directory(directory))
}

/// A minimal safetensors file holding one float32 vector.
func safetensors(floats: [Float]) -> Data {
    let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[\(floats.count)],\"data_offsets\":[0,\(floats.count * 4)]}}"
    var data = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header.utf8)
    floats.withUnsafeBytes { data.append(contentsOf: $0) }
    return data
}

func truncated(_ data: Data) -> Data {
    data.prefix(data.count - 4)
}
