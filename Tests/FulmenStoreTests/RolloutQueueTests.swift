import Foundation
import FulmenCore
import FulmenStore
import Testing
import ZMQTestSupport

@Suite("Store: the rollout queue")
struct RolloutQueueTests {
    @Test func enqueueIsIdempotentByID() async throws {
        let fixture = try await StoreFixture()
        let first = try await fixture.enqueue(3)
        let again = try await fixture.store.enqueue([
            RolloutRequest(id: "r-1", task: "other", input: Data("changed".utf8)),
            RolloutRequest(task: "calc", input: Data()),
        ])
        #expect(first.allSatisfy { $0.created && $0.status == .queuing })
        #expect(again[0] == EnqueueReceipt(id: "r-1", created: false, status: .queuing, resources: nil))
        #expect(again[1].created && again[1].id.rawValue.hasPrefix("ro-"))
        let all = try await fixture.store.rollouts(RolloutQuery())
        #expect(all.items.map(\.id) == ["r-0", "r-1", "r-2", again[1].id])
        #expect(all.items[1].task == "calc" && all.items[1].input == Data("{\"n\":1}".utf8), "a repeated id changed the rollout")
    }

    @Test func claimsOldestFirstOnlyTasksTheWorkerHostsAndEachOnce() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(2, task: "calc", prefix: "calc")
        try await fixture.enqueue(2, task: "sql", prefix: "sql")
        let sql = try await fixture.claim(5, tasks: ["sql"])
        #expect(sql.map(\.rollout.id) == ["sql-0", "sql-1"])
        #expect(sql.allSatisfy { $0.rollout.status == .preparing && $0.sequence == 1 })
        let rest = try await fixture.claim(5)
        #expect(rest.map(\.rollout.id) == ["calc-0", "calc-1"])
        #expect(try await fixture.claim(5).isEmpty)
    }

    @Test func concurrentWorkersNeverClaimTheSameRollout() async throws {
        let fixture = try await StoreFixture()
        let workers: [WorkerID] = ["w-a", "w-b", "w-c", "w-d"]
        for worker in workers {
            _ = try await fixture.store.register(WorkerRegistration(id: worker, host: "test", concurrency: 8))
        }
        try await fixture.enqueue(400)
        let claimed = try await withThrowingTaskGroup(of: [RolloutID].self) { group in
            for worker in workers {
                group.addTask {
                    var mine: [RolloutID] = []
                    while true {
                        let claims = try await fixture.claim(7, worker: worker)
                        if claims.isEmpty { return mine }
                        mine += claims.map(\.rollout.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 400)
        #expect(Set(claimed).count == 400)
    }

    @Test func aLongPollAnswersAsSoonAsWorkArrives() async throws {
        let fixture = try await StoreFixture()
        let clock = ContinuousClock()
        let started = clock.now
        async let claims = fixture.store.dequeue(DequeueRequest(worker: fixture.worker, limit: 2, wait: .seconds(30)))
        try await Task.sleep(for: .milliseconds(200))
        try await fixture.enqueue(1)
        let answered = try await claims
        #expect(answered.map(\.rollout.id) == ["r-0"])
        #expect(clock.now - started < .seconds(15), "the poll waited for its limit instead of the work")
    }

    @Test func aWorkerThatUnregistersWhileItsPollWaitsIsGivenNoWork() async throws {
        let fixture = try await StoreFixture()
        async let claims = fixture.store.dequeue(DequeueRequest(worker: fixture.worker, limit: 1, wait: .seconds(30)))
        try await Task.sleep(for: .milliseconds(200))
        try await fixture.store.unregister(fixture.worker)
        try await fixture.enqueue(1)
        #expect(try await claims.isEmpty, "the departed worker's poll claimed work")
        #expect(try await fixture.status("r-0") == .queuing)

        // Registering again makes it eligible once more.
        _ = try await fixture.store.register(WorkerRegistration(id: fixture.worker, host: "test", concurrency: 1))
        #expect(try await fixture.claim().map(\.rollout.id) == ["r-0"])
    }

    @Test func aLongPollWithNoWorkAnswersEmptyAtItsLimit() async throws {
        let fixture = try await StoreFixture()
        let clock = ContinuousClock()
        let started = clock.now
        let claims = try await fixture.store.dequeue(DequeueRequest(worker: fixture.worker, limit: 1, wait: .milliseconds(300)))
        #expect(claims.isEmpty)
        #expect(clock.now - started >= .milliseconds(300))
    }

    @Test func aSucceededAttemptSettlesItsRolloutAndLaterReportsAreSuperseded() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(1)
        let attempt = try #require(try await fixture.claim().first).attempt
        #expect(try await fixture.store.markRunning(attempt) == .accepted)
        #expect(try await fixture.status("r-0") == .running)
        #expect(try await fixture.store.heartbeat(attempt) == .accepted)
        #expect(try await fixture.store.complete(attempt, .succeeded) == .accepted)
        let detail = try await fixture.store.rollout("r-0")
        #expect(detail.rollout.status == .succeeded && detail.rollout.settledAt != nil)
        #expect(detail.attempts.map(\.status) == [.succeeded])
        #expect(try await fixture.store.complete(attempt, .failed(error: "late")) == .superseded)
        #expect(try await fixture.store.heartbeat(attempt) == .superseded)
        #expect(try await fixture.store.rollout("r-0").attempts.map(\.status) == [.succeeded])
    }

    @Test func anAgentErrorFailsTheRolloutUnlessThePolicyRetriesIt() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(1, prefix: "plain")
        let plain = try #require(try await fixture.claim().first)
        _ = try await fixture.store.complete(plain.attempt, .failed(error: "boom"))
        #expect(try await fixture.status("plain-0") == .failed)
        #expect(try await fixture.store.rollout("plain-0").attempts.first?.error == "boom")

        let retrying = RolloutConfig(retry: RetryPolicy(maxAttempts: 2, retryOn: [.failed]))
        try await fixture.enqueue(1, prefix: "retry", config: retrying)
        let first = try #require(try await fixture.claim().first)
        _ = try await fixture.store.complete(first.attempt, .failed(error: "once"))
        #expect(try await fixture.status("retry-0") == .requeuing)
        let second = try #require(try await fixture.claim().first)
        #expect(second.rollout.id == "retry-0" && second.sequence == 2)
        #expect(try await fixture.store.heartbeat(first.attempt) == .superseded)
        _ = try await fixture.store.complete(second.attempt, .failed(error: "twice"))
        #expect(try await fixture.status("retry-0") == .failed)
    }

    @Test func silentAttemptsBecomeUnresponsiveAndAreRetriedThenTimeOut() async throws {
        let fixture = try await StoreFixture()
        let config = RolloutConfig(timeout: .seconds(5), livenessWindow: .milliseconds(1500), retry: RetryPolicy(maxAttempts: 2))
        try await fixture.enqueue(1, config: config)
        let first = try #require(try await fixture.claim().first)
        #expect(try await eventually { try await fixture.status("r-0") == .requeuing })
        #expect(try await fixture.store.rollout("r-0").attempts.map(\.status) == [.unresponsive])

        // The second attempt keeps heartbeating, so only its timeout can end it.
        let second = try #require(try await fixture.claim().first)
        let ended = try await eventually {
            _ = try await fixture.store.heartbeat(second.attempt)
            return try await fixture.status("r-0") == .failed
        }
        #expect(ended)
        #expect(try await fixture.store.rollout("r-0").attempts.map(\.status) == [.unresponsive, .timedOut])
        #expect(try await fixture.store.complete(first.attempt, .succeeded) == .superseded)
    }

    @Test func cancellingARolloutTellsItsRunnerAtItsNextReport() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(2)
        let claim = try #require(try await fixture.claim().first)
        _ = try await fixture.store.markRunning(claim.attempt)
        #expect(try await fixture.store.cancel(["r-0", "r-1"]) == 2)
        #expect(try await fixture.store.heartbeat(claim.attempt) == .cancelled)
        let receipt = try await fixture.store.addSpans([span("after-cancel")], to: claim.attempt)
        #expect(receipt.answer == .cancelled)
        #expect(try await fixture.store.complete(claim.attempt, .succeeded) == .cancelled)
        #expect(try await fixture.status("r-0") == .cancelled)
        #expect(try await fixture.claim().isEmpty, "a cancelled rollout was claimed")
        #expect(try await fixture.store.cancel(["r-0"]) == 0)
        let log = try await fixture.store.completions(CompletionsRequest(wait: .zero))
        #expect(log.completions.map(\.rollout.id) == ["r-0", "r-1"])
    }

    @Test func theCompletionsCursorDeliversEverySettledRolloutOnceInOrder() async throws {
        let fixture = try await StoreFixture()
        try await fixture.enqueue(60)
        let reader = Task {
            var cursor: Int64 = 0
            var seen: [RolloutID] = []
            while seen.count < 60 {
                let batch = try await fixture.store.completions(CompletionsRequest(after: cursor, limit: 7, wait: .seconds(10)))
                #expect(!batch.completions.isEmpty, "a long poll returned nothing although rollouts were settling")
                seen += batch.completions.map(\.rollout.id)
                cursor = batch.cursor
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    while let claim = try await fixture.claim().first {
                        _ = try await fixture.store.complete(claim.attempt, .succeeded)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = try await reader.value
        #expect(Set(seen).count == 60 && seen.count == 60)
    }

    @Test func queriesFilterAndPage() async throws {
        let fixture = try await StoreFixture()
        _ = try await fixture.store.enqueue((0..<25).map {
            RolloutRequest(id: RolloutID("q-\($0)"), task: "calc", input: Data(), mode: $0 % 5 == 0 ? .val : .train)
        })
        _ = try await fixture.claim(3)
        var pages: [[RolloutID]] = []
        var cursor: PageCursor?
        repeat {
            let page = try await fixture.store.rollouts(RolloutQuery(mode: .train, page: PageRequest(after: cursor, limit: 6)))
            pages.append(page.items.map(\.id))
            cursor = page.next
        } while cursor != nil
        #expect(pages.map(\.count) == [6, 6, 6, 2])
        #expect(pages.joined().allSatisfy { Int($0.rawValue.dropFirst(2))! % 5 != 0 })
        let preparing = try await fixture.store.rollouts(RolloutQuery(statuses: [.preparing]))
        #expect(preparing.items.map(\.id) == ["q-0", "q-1", "q-2"])
    }

    @Test func aFailingWriteLeavesTheWritesCommittedWithItIntact() async throws {
        let fixture = try await StoreFixture()
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<20 {
                group.addTask {
                    // Every fifth request names a snapshot that does not exist; the request before it
                    // in the same call is good and must not be committed either.
                    let bad = index % 5 == 0
                    let requests = [
                        RolloutRequest(id: RolloutID("c-\(index)-a"), task: "calc", input: Data()),
                        RolloutRequest(id: RolloutID("c-\(index)-b"), task: "calc", input: Data(), resources: bad ? .snapshot(7) : .latest),
                    ]
                    return (index, (try? await fixture.store.enqueue(requests)) != nil)
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.filter { !$0.value }.keys.sorted() == [0, 5, 10, 15])
        let stored = Set(try await fixture.store.rollouts(RolloutQuery()).items.map(\.id.rawValue))
        let expected = Set((0..<20).filter { $0 % 5 != 0 }.flatMap { ["c-\($0)-a", "c-\($0)-b"] })
        #expect(stored == expected)
    }

    @Test func badRequestsAreRefusedByNameAndTheStoreKeepsServing() async throws {
        let fixture = try await StoreFixture(limits: { var limits = StoreLimits(); limits.maximumInputBytes = 100; return limits }())
        let oversized = await storeError { try await fixture.store.enqueue([RolloutRequest(task: "calc", input: Data(count: 101))]) }
        #expect(oversized?.code == .invalidArgument && oversized?.message.contains("requests[0].input") == true)
        let noTask = await storeError { try await fixture.store.enqueue([RolloutRequest(task: "", input: Data())]) }
        #expect(noTask?.message.contains("requests[0].task") == true)
        let badConfig = await storeError {
            try await fixture.store.enqueue([RolloutRequest(task: "calc", input: Data(), config: RolloutConfig(retry: RetryPolicy(maxAttempts: 0)))])
        }
        #expect(badConfig?.message.contains("maxAttempts") == true)
        let noSnapshot = await storeError { try await fixture.store.enqueue([RolloutRequest(task: "calc", input: Data(), resources: .snapshot(9))]) }
        #expect(noSnapshot?.code == .notFound)
        let unknownAttempt = await storeError { try await fixture.store.heartbeat("nope/attempt-1") }
        #expect(unknownAttempt?.code == .notFound && unknownAttempt?.message.contains("nope/attempt-1") == true)
        let unknownWorker = await storeError { try await fixture.claim(worker: "stranger") }
        #expect(unknownWorker?.code == .unknownWorker && unknownWorker?.message.contains("register") == true)
        let zero = await storeError { try await fixture.claim(0) }
        #expect(zero?.code == .invalidArgument)
        let unknownRollout = await storeError { try await fixture.store.rollout("missing") }
        #expect(unknownRollout?.code == .notFound)

        try await fixture.enqueue(1)
        #expect(try await fixture.claim().count == 1, "the store stopped serving after bad requests")
    }
}

func span(_ name: String, id: String = UUID().uuidString, attributes: [String: SpanValue] = [:]) -> Span {
    Span(id: id, name: name, start: Date(), end: Date(), attributes: attributes)
}
