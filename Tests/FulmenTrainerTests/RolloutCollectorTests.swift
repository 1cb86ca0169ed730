import Foundation
import FulmenCore
import FulmenStore
@testable import FulmenTrainer
import Logging
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// The trainer's collector against a real store (SQLite in memory, hosted by a node of the test process).
@Suite("Rollout collector")
struct RolloutCollectorTests {
    /// A trainer resumed after a kill enqueues again the groups its previous life had enqueued; those that
    /// had settled meanwhile may already lie behind the completions cursor, read while they belonged to no
    /// group. Enqueuing them again must answer them, not wait for a completion that never comes again.
    @Test func aRolloutEnqueuedAgainAfterItSettledIsCollected() async throws {
        let system = try ZMQActorSystem(settings: testSettings())
        var logger = Logger(label: "test.store")
        logger.logLevel = .critical
        let store = try system.makeWellKnown(StoreName.wellKnown) {
            try StoreActor(configuration: StoreConfiguration(location: .inMemory), actorSystem: $0, logger: logger)
        }
        _ = try await store.register(WorkerRegistration(id: "worker-1", host: "test", concurrency: 4))
        let experiment = try await store.submit(ExperimentSubmission(name: "collect", spec: Data("task: calc\n".utf8)))
        func request(_ id: String) -> RolloutRequest {
            RolloutRequest(id: RolloutID(id), task: "calc", input: Data("{}".utf8), experiment: experiment.id)
        }

        let collector = RolloutCollector(store: store, experiment: experiment.id)
        try await collector.enqueue([request("early"), request("late")])
        let claims = try await store.dequeue(DequeueRequest(worker: "worker-1", tasks: [], limit: 2, wait: .zero))
        #expect(claims.count == 2)
        for claim in claims { #expect(try await store.complete(claim.attempt, .succeeded) == .accepted) }
        // Both completions are read now, as when a step waits for its own groups and the next step's settle too.
        var read: Set<RolloutID> = []
        while read.count < 2 { read.formUnion(try await collector.next().map(\.id)) }

        try await collector.enqueue([request("late")])
        let again = try await withThrowingTaskGroup(of: [Rollout]?.self) { group in
            group.addTask { try await collector.next() }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        #expect(again?.map(\.id) == ["late"], "the settled rollout enqueued again was not collected within 20 s")
        #expect(again?.first?.status == .succeeded)
        await system.shutdown()
    }
}
