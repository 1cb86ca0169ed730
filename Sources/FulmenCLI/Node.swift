import ArgumentParser
import Logging
import ZMQActorSystem

extension Fulmen {
    /// Hosts the demo actor until stopped, for `fulmen ping` from another process or host.
    struct Node: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Host the demo actor on a node until stopped.",
            discussion: """
                Example:
                  fulmen node --bind tcp://0.0.0.0:7100
                  fulmen ping tcp://HOST:7100      # from another shell or host
                """
        )

        @Option(help: "Where to listen (port 0 picks a free port).")
        var bind = "tcp://127.0.0.1:7100"

        @Option(help: "The host name other nodes use to reach this one, when listening on 0.0.0.0.")
        var advertise: String?

        func run() async throws {
            var settings = ZMQActorSystem.Settings(bindEndpoint: bind)
            settings.advertisedHost = advertise
            let system = try ZMQActorSystem(settings: settings)
            let hosted = system.makeWellKnown(DemoService.name) { DemoService(actorSystem: $0) }
            print("node \(system.node) serving '\(DemoService.name)'")
            for await event in system.nodeEvents() {
                print("peer event: \(event)")
            }
            _ = hosted
        }
    }

    /// Calls the demo actor of a running `fulmen node`.
    struct Ping: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call the demo actor of a running node and report round-trip times.",
            discussion: """
                Example:
                  fulmen ping tcp://127.0.0.1:7100 --calls 5000
                """
        )

        @Argument(help: "The endpoint of a node started with `fulmen node`.")
        var endpoint: String

        @Option(help: "How many calls to make.")
        var calls = 5000

        @Option(help: "How many calls to keep in flight at once.")
        var concurrency = 64

        func run() async throws {
            var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
            settings.logger.logLevel = .warning
            let system = try ZMQActorSystem(settings: settings)
            let demo = try DemoService.resolve(id: .wellKnown(DemoService.name, at: endpoint), using: system)
            do {
                try await Benchmark(service: demo, calls: calls, concurrency: concurrency).run()
            } catch {
                await system.shutdown()
                throw Unreachable(endpoint: endpoint, reason: error)
            }
            await system.shutdown()
        }
    }
}

/// A node that `fulmen ping` could not call.
struct Unreachable: Error, CustomStringConvertible {
    let endpoint: String
    let reason: any Error
    var description: String { "cannot reach \(endpoint): \(reason)" }
}
