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
            if let allow = keys.allow { try Self.checkRoles(in: allow, logger: logger) }
            let system = try ZMQActorSystem.commandNode(
                bind: bind, advertise: advertise, logger: logger, security: try keys.security(listening: true, store: nil))
            let location: StoreConfiguration.Location =
                inMemory ? .inMemory : .directory(URL(fileURLWithPath: data, isDirectory: true))
            let store = try await system.settingUp {
                try system.makeWellKnown(StoreName.wellKnown) {
                    try StoreActor(configuration: StoreConfiguration(location: location), actorSystem: $0, logger: logger)
                }
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

        /// Refuses an allow-list that gives a key a role the store does not know (a typo would
        /// otherwise refuse that key's every call), and warns of keys without a role, which may
        /// call nothing (`StoreRole`).
        static func checkRoles(in allowList: String, logger: Logger) throws {
            let entries: [CurveKey: AllowList.Entry]
            do {
                entries = try AllowList.read(file: allowList)
            } catch {
                throw ValidationError("\(error)")
            }
            let roles = StoreRole.allCases.map(\.rawValue).joined(separator: ", ")
            var unassigned: [String] = []
            for (key, entry) in entries.sorted(by: { $0.value.name < $1.value.name }) {
                let who = entry.name.isEmpty ? key.description : entry.name
                guard let role = entry.attributes[StoreRole.attribute] else {
                    unassigned.append(who)
                    continue
                }
                guard StoreRole(rawValue: role) != nil else {
                    throw ValidationError("allow-list \(allowList): \(who) has role '\(role)', which is none of \(roles)")
                }
            }
            if !unassigned.isEmpty {
                logger.warning(
                    "keys without a role on the allow-list may call nothing on this store (give them role=\(roles.replacingOccurrences(of: ", ", with: "|")))",
                    metadata: ["keys": "\(unassigned.joined(separator: ", "))"])
            }
        }
    }
}
