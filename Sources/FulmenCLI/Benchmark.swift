import FulmenCore
import ZMQActorSystem

/// The calls `up` and `ping` make, with a report of what they measured.
struct Benchmark {
    let service: DemoService
    let calls: Int
    let concurrency: Int

    func run() async throws {
        let clock = ContinuousClock()
        guard try await service.echo("hello") == "hello" else { throw DemoError.wrongAnswer }

        let sequential = min(calls, 2000)
        var samples: [Duration] = []
        for index in 0..<sequential {
            samples.append(try await clock.measure { _ = try await service.echo("call \(index)") })
            if (index + 1) % 500 == 0 { print("  sequential calls: \(index + 1)/\(sequential)") }
        }
        samples.sort()
        print("round trip: median \(microseconds(samples[samples.count / 2])) us, p99 \(microseconds(samples[samples.count * 99 / 100])) us")

        let perTask = max(1, calls / concurrency)
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency {
                    group.addTask { for _ in 0..<perTask { _ = try await service.echo("x") } }
                }
                try await group.waitForAll()
            }
        }
        let rate = Double(perTask * concurrency) / elapsed.inSeconds
        print("pipelined: \(perTask * concurrency) calls from \(concurrency) tasks at \(Int(rate)) calls/s")

        let weights = [Float](repeating: 0.5, count: 1 << 20)
        let total = try await service.sum(weights)
        let transfer = try await clock.measure { _ = try await service.sum(weights) }
        print("4 MiB [Float] argument: sum \(total), \(Int(4 / transfer.inSeconds)) MiB/s")
    }

    private func microseconds(_ duration: Duration) -> Int { Int(duration.inSeconds * 1e6) }

    enum DemoError: Error, CustomStringConvertible {
        case wrongAnswer
        var description: String { "the demo actor answered something other than what was sent" }
    }
}
