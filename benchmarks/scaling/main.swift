// The scaling benchmark's processes: runner pools whose episodes wait on a slow tool (I/O-bound, no model
// call), and the driver that keeps the store's queue full and measures rollouts per second.
//
//     ScalingBenchmark runner STORE_ENDPOINT [--bind ENDPOINT] [--host NAME] [--concurrency K]
//     ScalingBenchmark drive STORE_ENDPOINT --store-pid PID --runner-pids PID,PID,… --slots N
//                            [--sleep-ms MS] [--warmup SECONDS] [--seconds SECONDS]
//
// A runner prints `READY` before it registers and `STOPPED succeeded=… failed=…` after SIGTERM has drained it.
// The driver prints one line of `key=value` figures for one configuration; benchmarks/scaling/run.sh starts
// the store and the runners for each configuration, and reports medians over rounds.
import Distributed
import Foundation
import FulmenCore
import FulmenRunner
import Glibc
import Logging
import ServiceLifecycle
import Tracing
import ZMQActorSystem

/// An I/O-bound episode: a planning span, one call of a tool that only waits (a slow search or sandbox, say),
/// an intermediate reward and a final one. No model call, so an episode costs its runner almost no CPU and
/// what the benchmark measures is the store and the transport.
struct SlowToolAgent: Agent {
    struct Input: Codable, Sendable {
        /// How long the tool takes.
        var milliseconds: Int
    }

    let task = "slow"

    func rollout(_ input: Input, context: RolloutContext) async throws -> Double? {
        let query = withSpan("plan") { span in
            span.attributes["plan.tool"] = "slow"
            return "wait \(input.milliseconds) ms"
        }
        try await context.tool("slow", input: query) { try await Task.sleep(for: .milliseconds(input.milliseconds)) }
        context.emitReward(0.5, name: "tool-answered")
        return 1
    }
}

/// What stopped this program: a command line it cannot run, a process it cannot read, or no progress.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

/// The options after the mode and the store endpoint, as `--name value` pairs.
struct Options {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>, allowed: Set<String>) throws {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), allowed.contains(String(name.dropFirst(2))) else {
                throw BenchmarkError(description: "unknown argument '\(name)' (known: \(allowed.sorted().map { "--\($0)" }.joined(separator: " ")))")
            }
            guard let value = iterator.next() else { throw BenchmarkError(description: "\(name) needs a value") }
            values[String(name.dropFirst(2))] = value
        }
    }

    func string(_ name: String, default fallback: String? = nil) throws -> String {
        guard let value = values[name] ?? fallback else { throw BenchmarkError(description: "--\(name) is required") }
        return value
    }

    func int(_ name: String, default fallback: Int? = nil) throws -> Int {
        guard let text = values[name] else {
            guard let fallback else { throw BenchmarkError(description: "--\(name) is required") }
            return fallback
        }
        guard let value = Int(text) else { throw BenchmarkError(description: "--\(name) must be an integer, not '\(text)'") }
        return value
    }
}

/// CPU time (user + system) a process has used so far, from `/proc/PID/stat`.
func cpuSeconds(pid: String) throws -> Double {
    let path = "/proc/\(pid)/stat"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8), let close = text.lastIndex(of: ")") else {
        throw BenchmarkError(description: "cannot read \(path): no process \(pid)")
    }
    // After the command name: state is field 3, utime field 14, stime field 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
        throw BenchmarkError(description: "\(path) has no utime and stime fields: \(text)")
    }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Busy and total CPU time of the whole machine (all cores), from the first line of `/proc/stat`.
func machineSeconds() throws -> (busy: Double, total: Double) {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
    else { throw BenchmarkError(description: "cannot read the cpu line of /proc/stat") }
    // user nice system idle iowait irq softirq steal (guest times are already inside user and nice).
    let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
    guard ticks.count == 8 else { throw BenchmarkError(description: "/proc/stat's cpu line is not as expected: \(line)") }
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    let total = ticks.reduce(0, +)
    return ((total - ticks[3] - ticks[4]) / hz, total / hz)
}

/// CPU times of the store, the runners, this driver and the machine at one moment.
struct CPUSample {
    let time: ContinuousClock.Instant
    let settled: Int
    let store: Double
    let runners: Double
    let driver: Double
    let machineBusy: Double
    let machineTotal: Double

    init(settled: Int, storePID: String, runnerPIDs: [String]) throws {
        time = .now
        self.settled = settled
        store = try cpuSeconds(pid: storePID)
        runners = try runnerPIDs.reduce(0) { try $0 + cpuSeconds(pid: $1) }
        driver = try cpuSeconds(pid: "self")
        (machineBusy, machineTotal) = try machineSeconds()
    }
}

/// A node bound at `bind`, and the store at `endpoint` resolved as `Stub`: a runner's or a trainer's protocol.
func connect<Stub: DistributedActor>(_ endpoint: String, bind: String, as _: Stub.Type) throws -> (ZMQActorSystem, Stub)
where Stub.ActorSystem == ZMQActorSystem {
    var settings = ZMQActorSystem.Settings(bindEndpoint: bind)
    settings.logger.logLevel = .warning
    let system = try ZMQActorSystem(settings: settings)
    return (system, try Stub.resolve(id: .wellKnown(StoreName.wellKnown, at: endpoint), using: system))
}

/// Runs a pool of `SlowToolAgent` episodes until SIGTERM, then reports what it did.
func runRunner(endpoint: String, options: Options) async throws {
    let (system, store) = try connect(
        endpoint, bind: try options.string("bind", default: "tcp://127.0.0.1:0"), as: $RunnerStore<ZMQActorSystem>.self)
    var logger = Logger(label: "scaling.runner")
    logger.logLevel = .warning
    let configuration = RunnerPool.Configuration(
        concurrency: try options.int("concurrency", default: 64),
        host: try options.string("host", default: ProcessInfo.processInfo.hostName), shutdownGrace: .seconds(5))
    let pool = try RunnerPool(store: store, agents: [SlowToolAgent()], configuration: configuration, logger: logger)
    print("READY")
    fflush(nil)
    // SIGTERM: stop claiming, finish or hand back running episodes.
    try await ServiceGroup(services: [pool], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
    let statistics = await pool.statistics()
    print("STOPPED succeeded=\(statistics.succeeded) failed=\(statistics.failed) handedBack=\(statistics.handedBack)")
    fflush(nil)
    await system.shutdown()
}

/// Keeps about two rollouts per runner slot queued, follows the completions log, and after the warm-up
/// measures settled rollouts per second and the CPU time each process spent per rollout.
func drive(endpoint: String, options: Options) async throws {
    let storePID = try options.string("store-pid")
    let runnerPIDs = try options.string("runner-pids").split(separator: ",").map(String.init)
    let slots = try options.int("slots")
    let sleep = try options.int("sleep-ms", default: 50)
    let warmup = Duration.seconds(try options.int("warmup", default: 3))
    let measured = Duration.seconds(try options.int("seconds", default: 8))
    let (system, store) = try connect(endpoint, bind: "tcp://127.0.0.1:0", as: $TrainerStore<ZMQActorSystem>.self)
    let input = try JSONEncoder().encode(SlowToolAgent.Input(milliseconds: sleep))
    let backlog = 2 * slots

    var cursor = try await store.completions(CompletionsRequest(after: 0, limit: 1, wait: .zero)).cursor
    var enqueued = 0
    var settled = 0
    var failed = 0
    let started = ContinuousClock.now
    var warm: CPUSample?
    let window: (first: CPUSample, last: CPUSample)
    while true {
        while enqueued - settled < backlog {
            let count = min(500, backlog - (enqueued - settled))
            _ = try await store.enqueue((0..<count).map { _ in RolloutRequest(task: "slow", input: input) })
            enqueued += count
        }
        let batch = try await store.completions(CompletionsRequest(after: cursor, limit: 10_000, wait: .seconds(2)))
        cursor = batch.cursor
        settled += batch.completions.count
        failed += batch.completions.count { $0.rollout.status != .succeeded }
        let now = ContinuousClock.now
        if let warm {
            if now - warm.time >= measured {
                window = (warm, try CPUSample(settled: settled, storePID: storePID, runnerPIDs: runnerPIDs))
                break
            }
        } else if now - started >= warmup {
            warm = try CPUSample(settled: settled, storePID: storePID, runnerPIDs: runnerPIDs)
        }
    }
    let (first, last) = window
    let seconds = (last.time - first.time).inSeconds
    let rollouts = Double(last.settled - first.settled)
    guard rollouts > 0 else { throw BenchmarkError(description: "no rollout settled in \(seconds) s: are the runners up?") }
    let microsecondsPerRollout = { (cpu: Double) in cpu * 1_000_000 / rollouts }
    let figures: KeyValuePairs<String, Double> = [
        "rollouts_s": rollouts / seconds,
        "store_cpu_share": (last.store - first.store) / seconds,
        "store_cpu_us": microsecondsPerRollout(last.store - first.store),
        "runner_cpu_us": microsecondsPerRollout(last.runners - first.runners),
        "driver_cpu_us": microsecondsPerRollout(last.driver - first.driver),
        "machine_busy": (last.machineBusy - first.machineBusy) / (last.machineTotal - first.machineTotal),
        "failed": Double(failed),
    ]
    print(figures.map { "\($0.key)=\(String(format: "%.3f", $0.value))" }.joined(separator: " "))
    await system.shutdown()
}

let arguments = CommandLine.arguments
do {
    guard arguments.count >= 3 else {
        throw BenchmarkError(description: "usage: ScalingBenchmark runner|drive STORE_ENDPOINT [--option value …]")
    }
    switch arguments[1] {
    case "runner":
        try await runRunner(
            endpoint: arguments[2], options: Options(arguments.dropFirst(3), allowed: ["bind", "host", "concurrency"]))
    case "drive":
        try await drive(
            endpoint: arguments[2],
            options: Options(
                arguments.dropFirst(3), allowed: ["store-pid", "runner-pids", "slots", "sleep-ms", "warmup", "seconds"]))
    default:
        throw BenchmarkError(description: "unknown mode '\(arguments[1])': runner or drive")
    }
} catch {
    FileHandle.standardError.write(Data("ScalingBenchmark: \(error)\n".utf8))
    exit(1)
}
