import FulmenCore
import FulmenModel
import FulmenRunner
import Foundation
import Logging
import ZMQActorSystem
import ZMQTestSupport

/// A store in its own OS process (`fulmen store --in-memory`), and a client node in the test process.
struct RunnerFixture {
    let storeProcess: ChildProcess
    let system: ZMQActorSystem
    /// The store as a trainer calls it: the test enqueues, publishes and reads through it.
    let store: $TrainerStore<ZMQActorSystem>
    /// The store as the control commands call it (to cancel).
    let control: $ControlStore<ZMQActorSystem>
    /// The store as the fixture's pools call it.
    let runnerStore: $RunnerStore<ZMQActorSystem>

    init() async throws {
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        storeProcess = try await ChildProcess(
            "fulmen", arguments: ["store", "--in-memory", "--bind", endpoint, "--log-level", "critical"])
        system = try ZMQActorSystem(settings: testSettings { $0.defaultCallTimeout = .seconds(10) })
        let address = ActorAddress.wellKnown(StoreName.wellKnown, at: endpoint)
        store = try $TrainerStore<ZMQActorSystem>.resolve(id: address, using: system)
        control = try $ControlStore<ZMQActorSystem>.resolve(id: address, using: system)
        runnerStore = try $RunnerStore<ZMQActorSystem>.resolve(id: address, using: system)
    }

    var endpoint: String { store.id.endpoint }

    /// A pool serving the fixture's store, with quick heartbeats.
    func pool(_ agents: [any Agent], concurrency: Int = 4, worker: WorkerID = "pool") throws -> RunnerPool {
        var logger = Logger(label: "test.runner")
        logger.logLevel = .critical
        let configuration = RunnerPool.Configuration(
            concurrency: concurrency, worker: worker, heartbeatInterval: .milliseconds(100), dequeueWait: .seconds(1),
            shutdownGrace: .seconds(2))
        return try RunnerPool(store: runnerStore, agents: agents, configuration: configuration, logger: logger)
    }

    /// Enqueues rollouts of `task` with the given inputs, as `PREFIX-0`, `PREFIX-1`, …
    @discardableResult
    func enqueue<Input: Encodable>(
        _ task: String, _ inputs: [Input], prefix: String? = nil, pin: ResourcePin = .latest,
        config: RolloutConfig = RolloutConfig()
    ) async throws -> [RolloutID] {
        let prefix = prefix ?? task
        let requests = try inputs.enumerated().map { i, input in
            RolloutRequest(
                id: RolloutID("\(prefix)-\(i)"), task: task, input: try JSONEncoder().encode(input), resources: pin,
                config: config)
        }
        return try await store.enqueue(requests).map(\.id)
    }

    /// Publishes a freshly initialised tiny policy as the latest snapshot.
    func publishPolicy(seed: UInt64) async throws -> ResourceSnapshot {
        let weights = try GPT(config: .tiny, seed: seed).checkpoint()
        return try await store.publish(
            ResourcePublication(resources: [ResourceName.policy: ResourceContent(kind: .weights, data: Data(weights))]))
    }

    func status(_ id: RolloutID) async throws -> RolloutStatus {
        try await store.rollout(id).rollout.status
    }

    /// Waits until every rollout in `ids` is final.
    func settled(_ ids: [RolloutID], timeout: Duration = .seconds(30)) async throws -> Bool {
        try await eventually(timeout: timeout) {
            for id in ids where !(try await status(id)).isFinal { return false }
            return true
        }
    }
}
