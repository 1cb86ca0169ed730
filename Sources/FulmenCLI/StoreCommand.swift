import ArgumentParser
import Foundation
import FulmenCore
import FulmenStore
import Logging
import ServiceLifecycle
import ZMQActorSystem

extension Fulmen {
    /// Serves the store until stopped.
    struct StoreCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Serve the store: rollouts, attempts, spans, resources, workers and experiments.",
            discussion: """
                The store keeps everything in SQLite (WAL mode) under --data; a store restarted on the \
                same directory has every rollout, attempt, span and resource it acknowledged. One store \
                at a time may use a directory.

                Example:
                  fulmen store --data /var/lib/fulmen --bind tcp://0.0.0.0:7200 --advertise store.example
                """
        )

        @Option(help: "The data directory (created if missing).")
        var data = "fulmen-data"

        @Flag(help: "Keep everything in memory instead (lost when the process ends).")
        var inMemory = false

        @Option(help: "Where to listen (port 0 picks a free port).")
        var bind = "tcp://127.0.0.1:7200"

        @Option(help: "The host name other nodes use to reach this one, when listening on 0.0.0.0.")
        var advertise: String?

        @OptionGroup var logging: LoggingOptions
        @OptionGroup var keys: KeyOptions

        func run() async throws {
            let logger = logging.logger(label: "fulmen.store")
            let system = try ZMQActorSystem.commandNode(
                bind: bind, advertise: advertise, logger: logger, security: try keys.security(listening: true, store: nil))
            let location: StoreConfiguration.Location =
                inMemory ? .inMemory : .directory(URL(fileURLWithPath: data, isDirectory: true))
            let store = try system.makeWellKnown(StoreName.wellKnown) {
                try StoreActor(configuration: StoreConfiguration(location: location), actorSystem: $0, logger: logger)
            }
            let lifecycle = await ProcessServices()
            print("store ready at \(system.node.endpoint) (node \(system.node), data \(inMemory ? "in memory" : data))")
            fflush(nil)
            // Serves until SIGTERM or Ctrl-C: calls being answered are answered, then the node closes.
            let peers = ClosureService {
                for await event in system.nodeEvents().cancelOnGracefulShutdown() {
                    logger.debug("peer event", metadata: ["event": "\(event)"])
                }
            }
            let signal = await lifecycle.runThenShutDown([.init(service: peers)], nodes: [system], logger: logger)
            withExtendedLifetime(store) {}
            try signal.exit()
        }
    }
}
