// The actor-system benchmark (benchmarks/README.md): distributed calls between two processes.
//
//   ActorsBenchmark server ENDPOINT   host the "bench" actor
//   ActorsBenchmark client ENDPOINT   print rtt_p50_us, rtt_p99_us, pool_rtt_p50_us, pool_rtt_p99_us,
//                                     pipelined_s, payload_mib_s
import Distributed
import Glibc
import Logging
import ZMQActorSystem

distributed actor BenchService {
    typealias ActorSystem = ZMQActorSystem

    distributed func echo(_ bytes: [UInt8]) -> [UInt8] { bytes }

    /// Receives a tensor and answers with its length: the transfer is what is measured, as in
    /// the C floor, which echoes a small reply to a large message.
    distributed func count(_ values: [Float]) -> Int { values.count }
}

func settings(_ endpoint: String) -> ZMQActorSystem.Settings {
    var settings = ZMQActorSystem.Settings(bindEndpoint: endpoint)
    settings.logger.logLevel = .error
    return settings
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: ActorsBenchmark server|client ENDPOINT")
    exit(2)
}

if arguments[1] == "server" {
    let system = try ZMQActorSystem(settings: settings(arguments[2]))
    let service = system.makeWellKnown("bench") { BenchService(actorSystem: $0) }
    print("READY")
    fflush(nil)
    while true {
        try await Task.sleep(for: .seconds(3600))
        _ = service
    }
}

let system = try ZMQActorSystem(settings: settings("tcp://127.0.0.1:0"))
let service = try BenchService.resolve(id: .wellKnown("bench", at: arguments[2]), using: system)
let payload = [UInt8](repeating: 7, count: 64)
let clock = ContinuousClock()

/// Round-trip latencies in microseconds, sorted: calls one at a time from a task that prefers
/// `executor` (nil: Swift's global pool), after a warm-up.
func roundTrips(on executor: (any TaskExecutor)?) async throws -> [Double] {
    try await Task(executorPreference: executor) {
        for _ in 0..<1000 { _ = try await service.echo(payload) }
        var samples: [Double] = []
        samples.reserveCapacity(10_000)
        for _ in 0..<10_000 {
            let elapsed = try await clock.measure { _ = try await service.echo(payload) }
            samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
        }
        return samples.sorted()
    }.value
}

// Round-trip latency, from a task on the node's I/O thread (the way to the lowest latency) and
// from one on Swift's pool (the default).
let samples = try await roundTrips(on: system.ioExecutor)
let poolSamples = try await roundTrips(on: nil)

// Pipelined throughput: many tasks, each making calls back to back.
let tasks = 256
let callsPerTask = 800
let pipelinedTime = try await clock.measure {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<tasks {
            group.addTask {
                for _ in 0..<callsPerTask { _ = try await service.echo(payload) }
            }
        }
        try await group.waitForAll()
    }
}
let pipelined = Double(tasks * callsPerTask) / (Double(pipelinedTime.components.seconds) + Double(pipelinedTime.components.attoseconds) / 1e18)

// Large payload: a 4 MiB [Float] argument, one call at a time.
let large = [Float](repeating: 1, count: 1 << 20)
_ = try await service.count(large)
let largeCalls = 50
let largeTime = try await clock.measure {
    for _ in 0..<largeCalls { _ = try await service.count(large) }
}
let mibPerSecond = Double(largeCalls * 4) / (Double(largeTime.components.seconds) + Double(largeTime.components.attoseconds) / 1e18)

func rounded(_ value: Double, _ places: Int = 0) -> String {
    let scale = Double([1, 10, 100][places])
    let result = (value * scale).rounded() / scale
    return places == 0 ? String(Int(result)) : String(result)
}

print("rtt_p50_us=\(rounded(percentile(samples, 0.5), 1)) rtt_p99_us=\(rounded(percentile(samples, 0.99), 1))"
    + " pool_rtt_p50_us=\(rounded(percentile(poolSamples, 0.5), 1)) pool_rtt_p99_us=\(rounded(percentile(poolSamples, 0.99), 1))"
    + " pipelined_s=\(rounded(pipelined)) payload_mib_s=\(rounded(mibPerSecond))")
await system.shutdown()
