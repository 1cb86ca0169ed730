import Foundation
import Logging
import FulmenCore
import FulmenStore
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// A store on an in-memory (or given) database, hosted by a node of the test process, with a
/// registered worker and a fast liveness timer.
struct StoreFixture {
    let system: ZMQActorSystem
    let store: StoreActor
    let worker: WorkerID = "worker-1"

    init(location: StoreConfiguration.Location = .inMemory, limits: StoreLimits = StoreLimits()) async throws {
        system = try ZMQActorSystem(settings: testSettings())
        store = try system.makeWellKnown(StoreName.wellKnown) {
            try StoreActor(
                configuration: StoreConfiguration(location: location, sweepInterval: .milliseconds(50), limits: limits),
                actorSystem: $0, logger: quietLogger())
        }
        _ = try await store.register(WorkerRegistration(id: worker, host: "test", concurrency: 4))
    }

    /// Enqueues `count` rollouts of `task` with the given config, ids `prefix-0`, `prefix-1`, …
    @discardableResult
    func enqueue(
        _ count: Int, task: String = "calc", prefix: String = "r", config: RolloutConfig = RolloutConfig(),
        experiment: ExperimentID? = nil
    ) async throws -> [EnqueueReceipt] {
        try await store.enqueue((0..<count).map {
            RolloutRequest(
                id: RolloutID("\(prefix)-\($0)"), task: task, input: Data("{\"n\":\($0)}".utf8), config: config,
                experiment: experiment)
        })
    }

    /// Claims up to `limit` rollouts for the fixture's worker without waiting.
    func claim(_ limit: Int = 1, tasks: [String] = [], worker: WorkerID? = nil) async throws -> [Claim] {
        try await store.dequeue(DequeueRequest(worker: worker ?? self.worker, tasks: tasks, limit: limit, wait: .zero))
    }

    func status(_ id: RolloutID) async throws -> RolloutStatus {
        try await store.rollout(id).rollout.status
    }
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test.store")
    logger.logLevel = .critical
    return logger
}

/// The `StoreError` `body` throws, whether it came from a local call or across the network.
func storeError(_ body: () async throws -> some Any) async -> StoreError? {
    do {
        _ = try await body()
        return nil
    } catch let error as StoreError {
        return error
    } catch let error as RemoteError {
        return error.decode(as: StoreError.self)
    } catch {
        Issue.record("expected a StoreError, got \(error)")
        return nil
    }
}

