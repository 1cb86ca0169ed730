// The store benchmark's client processes. Each mode talks to a running `fulmen store` over
// loopback TCP and prints one line of `key=value` figures.
//
//     StoreBenchmark calls ENDPOINT          enqueue (batched, single), dequeue+complete, spans
//     StoreBenchmark runner ENDPOINT ID      claim, add 5 spans, complete, until killed
//     StoreBenchmark drain ENDPOINT COUNT    enqueue COUNT rollouts, time until all are settled
import Foundation
import FulmenCore
import Glibc
import ZMQActorSystem

let clock = ContinuousClock()

/// Runs `tasks` concurrent loops of `body(task, iteration)` for `iterations` each; answers the rate.
func rate(items: Int, tasks: Int, iterations: Int, _ body: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> Double {
    let elapsed = try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask { for iteration in 0..<iterations { try await body(task, iteration) } }
            }
            try await group.waitForAll()
        }
    }
    return Double(items) / elapsed.inSeconds
}

func requests(_ count: Int, task: String, prefix: String) -> [RolloutRequest] {
    (0..<count).map { RolloutRequest(id: RolloutID("\(prefix)-\($0)"), task: task, input: Data("{\"question\":\"12*7\"}".utf8)) }
}

/// A span like the ones an agent's model calls make: a few attributes and token ids.
func modelSpan(_ index: Int) -> Span {
    Span(
        id: "s\(index)", name: "llm", start: Date(), end: Date(),
        attributes: ["model": .string("policy"), "weights": .int(1), "tokens": .ints(Array(0..<32)), "reward": .double(0.5)])
}

/// The store as the benchmark's two kinds of caller see it: a trainer (enqueues, follows completions)
/// and a runner (claims, reports).
struct StoreStubs {
    let trainer: $TrainerStore<ZMQActorSystem>
    let runner: $RunnerStore<ZMQActorSystem>
}

func connect(_ endpoint: String) throws -> (ZMQActorSystem, StoreStubs) {
    var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
    settings.logger.logLevel = .warning
    settings.defaultCallTimeout = .seconds(60)
    let system = try ZMQActorSystem(settings: settings)
    let address = ActorAddress.wellKnown(StoreName.wellKnown, at: endpoint)
    return (system, StoreStubs(
        trainer: try $TrainerStore<ZMQActorSystem>.resolve(id: address, using: system),
        runner: try $RunnerStore<ZMQActorSystem>.resolve(id: address, using: system)))
}

func measureCalls(_ store: StoreStubs) async throws {
    // Enqueue in batches of 100 from 4 concurrent tasks, then one rollout per call from 16.
    let batched = try await rate(items: 100_000, tasks: 4, iterations: 250) { task, iteration in
        _ = try await store.trainer.enqueue(requests(100, task: "batched", prefix: "b\(task)-\(iteration)"))
    }
    let single = try await rate(items: 10_000, tasks: 16, iterations: 625) { task, iteration in
        _ = try await store.trainer.enqueue(requests(1, task: "single", prefix: "s\(task)-\(iteration)"))
    }

    // Dequeue one rollout and complete it, from 32 concurrent tasks (a runner pool's episodes).
    let worker = WorkerID("bench")
    _ = try await store.runner.register(WorkerRegistration(id: worker, host: "bench", concurrency: 32))
    for chunk in 0..<20 { _ = try await store.trainer.enqueue(requests(1000, task: "work", prefix: "w\(chunk)")) }
    let dequeueComplete = try await rate(items: 20_000, tasks: 32, iterations: 625) { _, _ in
        let claims = try await store.runner.dequeue(DequeueRequest(worker: worker, tasks: ["work"], limit: 1, wait: .zero))
        guard let claim = claims.first else { throw BenchmarkError.ranOutOfWork }
        _ = try await store.runner.complete(claim.attempt, .succeeded)
    }

    // Spans in batches of 10 and 100 onto 8 running attempts.
    _ = try await store.trainer.enqueue(requests(8, task: "spans", prefix: "sp"))
    let attempts = try await store.runner.dequeue(DequeueRequest(worker: worker, tasks: ["spans"], limit: 8, wait: .zero)).map(\.attempt)
    let ten = (0..<10).map(modelSpan)
    let hundred = (0..<100).map(modelSpan)
    let spans10 = try await rate(items: 100_000, tasks: 8, iterations: 1250) { task, _ in
        _ = try await store.runner.addSpans(ten, to: attempts[task])
    }
    let spans100 = try await rate(items: 400_000, tasks: 8, iterations: 500) { task, _ in
        _ = try await store.runner.addSpans(hundred, to: attempts[task])
    }
    print(String(
        format: "enqueue_batched_per_s=%.0f enqueue_single_per_s=%.0f dequeue_complete_per_s=%.0f spans10_per_s=%.0f spans_per_s=%.0f",
        batched, single, dequeueComplete, spans10, spans100))
}

/// Claims rollouts, adds 5 spans to each and completes it, with 8 episodes at once.
func runWorker(_ store: StoreStubs, id: String) async throws -> Never {
    let worker = WorkerID(id)
    _ = try await store.runner.register(WorkerRegistration(id: worker, tasks: ["drain"], host: "bench", concurrency: 8))
    print("READY")
    fflush(nil)
    let spans = (0..<5).map(modelSpan)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<8 {
            group.addTask {
                while true {
                    for claim in try await store.runner.dequeue(DequeueRequest(worker: worker, tasks: ["drain"], limit: 4, wait: .seconds(10))) {
                        _ = try await store.runner.addSpans(spans, to: claim.attempt)
                        _ = try await store.runner.complete(claim.attempt, .succeeded)
                    }
                }
            }
        }
        try await group.waitForAll()
    }
    fatalError("workers never stop")
}

/// Enqueues `count` rollouts in batches of 100 and follows the completions log until all settled.
func drain(_ store: StoreStubs, count: Int) async throws {
    let start = try await store.trainer.completions(CompletionsRequest(after: 0, limit: 1, wait: .zero)).cursor
    let elapsed = try await clock.measure {
        async let enqueued: Void = {
            for batch in 0..<(count / 100) {
                _ = try await store.trainer.enqueue(requests(100, task: "drain", prefix: "d\(batch)"))
            }
        }()
        var cursor = start
        var settled = 0
        while settled < count {
            let batch = try await store.trainer.completions(CompletionsRequest(after: cursor, limit: 10_000, wait: .seconds(10)))
            guard !batch.completions.isEmpty else { throw BenchmarkError.stalled(settled) }
            settled += batch.completions.count
            cursor = batch.cursor
        }
        try await enqueued
    }
    print(String(format: "e2e_drain_per_s=%.0f", Double(count) / elapsed.inSeconds))
}

enum BenchmarkError: Error {
    case ranOutOfWork
    case stalled(Int)
    case usage
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { throw BenchmarkError.usage }
let (system, store) = try connect(arguments[2])
switch arguments[1] {
case "calls": try await measureCalls(store)
case "runner": try await runWorker(store, id: arguments[3])
case "drain": try await drain(store, count: Int(arguments[3])!)
default: throw BenchmarkError.usage
}
await system.shutdown()
