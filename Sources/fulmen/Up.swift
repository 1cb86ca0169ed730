import ArgumentParser
import Logging
import ZMQActorSystem

extension Fulmen {
    /// Runs everything in one process: for now, two nodes calling each other over loopback TCP.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded default: two nodes in this process calling each other.",
            discussion: """
                Starts a serving node and a calling node on loopback TCP, makes remote calls between
                them and reports round-trip times and throughput.

                Example:
                  fulmen up --calls 20000
                """
        )

        @Option(help: "How many calls to make.")
        var calls = 20_000

        @Option(help: "How many calls to keep in flight at once.")
        var concurrency = 64

        func validate() throws {
            guard calls > 0 else { throw ValidationError("--calls must be positive, got \(calls)") }
            guard concurrency > 0 else { throw ValidationError("--concurrency must be positive, got \(concurrency)") }
        }

        func run() async throws {
            var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
            settings.logger.logLevel = .error
            let server = try ZMQActorSystem(settings: settings)
            let client = try ZMQActorSystem(settings: settings)
            let hosted = server.makeWellKnown(DemoService.name) { DemoService(actorSystem: $0) }
            print("serving node: \(server.node)")
            print("calling node: \(client.node)")
            let demo = try DemoService.resolve(id: .wellKnown(DemoService.name, at: server.node.endpoint), using: client)
            try await Benchmark(service: demo, calls: calls, concurrency: concurrency).run()
            await client.shutdown()
            await server.shutdown()
            _ = hosted
        }
    }
}
