// The runner benchmark: one runner pool (in this process) playing `calc` episodes with the `tiny` policy
// against a store in another process, at several concurrencies, with and without batched inference.
//
//     RunnerBenchmark STORE_ENDPOINT
//
// Prints one line of `key=value` figures for one round; benchmarks/runner/run.sh runs rounds and reports
// medians. The policy is a freshly initialised tiny model (seed 1): it rarely ends a line early, so every
// model call generates its full token limit, the slow case for an episode.
import Foundation
import FulmenCore
import FulmenModel
import FulmenRunner
import FulmenAgents
import FulmenTasks
import Logging
import ZMQActorSystem

let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://127.0.0.1:7200"
var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
settings.logger.logLevel = .warning
let system = try ZMQActorSystem(settings: settings)
// The benchmark plays the trainer (publishes weights, enqueues) for pools that call as runners.
let store = try $TrainerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)
let runnerStore = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system)

let weights = try GPT(config: .tiny, seed: 1).checkpoint()
_ = try await store.publish(
    ResourcePublication(resources: [ResourceName.policy: ResourceContent(kind: .weights, data: Data(weights))]))
let problems = try CalcTask().encodedSplit(seed: 42, trainCount: 2000, validationCount: 0).train

/// Plays `count` calc episodes on a fresh pool of `concurrency` slots and answers episodes per second,
/// timed from the enqueue to the last completion (after a warm-up that loads the weights).
func measure(_ name: String, concurrency: Int, batching: Bool, count: Int) async throws -> Double {
    var logger = Logger(label: "bench.runner")
    logger.logLevel = .warning
    let configuration = RunnerPool.Configuration(
        concurrency: concurrency, worker: WorkerID("bench-\(name)"), dequeueWait: .seconds(2), shutdownGrace: .seconds(5),
        inference: InferenceSettings(threads: 1, batching: batching))
    let pool = try RunnerPool(store: runnerStore, agents: [CalcAgent()], configuration: configuration, logger: logger)
    let serving = Task { try await pool.run() }
    func play(_ count: Int, prefix: String) async throws -> Duration {
        let before = await pool.statistics().finished
        let started = ContinuousClock.now
        let requests = (0..<count).map { i in
            RolloutRequest(id: RolloutID("\(prefix)-\(i)"), task: CalcTask.name, input: problems[i % problems.count])
        }
        for batch in stride(from: 0, to: requests.count, by: 500) {
            _ = try await store.enqueue(Array(requests[batch..<min(batch + 500, requests.count)]))
        }
        while await pool.statistics().finished < before + count {
            try await Task.sleep(for: .milliseconds(2))
        }
        return ContinuousClock.now - started
    }
    _ = try await play(concurrency, prefix: "\(name)-warm")
    let elapsed = try await play(count, prefix: "\(name)-run")
    await pool.shutdown()
    try await serving.value
    let statistics = await pool.statistics()
    let episodes = Double(statistics.finished)
    FileHandle.standardError.write(Data(String(
        format: "runner benchmark: %@: %.1f episodes/s, %.2f model calls and %.2f ms of model time per episode, mean batch %.1f\n",
        name, Double(count) / elapsed.inSeconds, Double(statistics.inference.calls) / episodes,
        statistics.inference.busySeconds * 1000 / episodes, statistics.inference.meanBatch).utf8))
    if statistics.failed > 0 {
        FileHandle.standardError.write(Data("runner benchmark: \(statistics.failed) \(name) episodes failed\n".utf8))
    }
    return Double(count) / elapsed.inSeconds
}

let c1 = try await measure("c1", concurrency: 1, batching: true, count: 60)
let c8 = try await measure("c8", concurrency: 8, batching: true, count: 240)
let c32 = try await measure("c32", concurrency: 32, batching: true, count: 640)
let c64 = try await measure("c64", concurrency: 64, batching: true, count: 960)
let c32Unbatched = try await measure("c32-unbatched", concurrency: 32, batching: false, count: 160)
print(
    "eps_c1=\(c1) eps_c8=\(c8) eps_c32=\(c32) eps_c64=\(c64) eps_c32_unbatched=\(c32Unbatched)")
await system.shutdown()
