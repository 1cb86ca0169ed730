import ArgumentParser
import Foundation
import FulmenCore
import FulmenRunner
import FulmenStore
import FulmenAgents
import FulmenTasks
import FulmenTrainer
import Logging
import ServiceLifecycle
import ZMQActorSystem

extension Fulmen {
    /// Runs a store, a runner pool and a trainer in one process, and one experiment on them.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded default: a store, a runner pool and a trainer in this process, training on a bundled task.",
            discussion: """
                Without --experiment it runs examples/calc.yaml (built in): a supervised warm start on \
                the calc task's demonstrations, then GRPO on episodes the runner pool plays with the \
                current weights, with greedy validation along the way. It prints progress and ends \
                with validation success before and after. The three parts talk over loopback TCP as \
                separate processes would.

                Example:
                  fulmen up
                  fulmen up --experiment examples/maze.yaml --concurrency 64 --data fulmen-up
                """
        )

        @Option(help: "The experiment's YAML spec (default: the built-in calc experiment).")
        var experiment: String?

        @Option(help: "Keep the store and checkpoints in this directory (default: in memory and a temporary directory).")
        var data: String?

        @Option(help: "How many episodes the runner pool plays at once.")
        var concurrency = 32

        @Option(help: "When the experiment ends, write its metrics here, one JSON object per step.")
        var metrics: String?

        @Option(help: "Log level of the store, runner and trainer: trace, debug, info, notice, warning, error or critical.")
        var logLevel = "warning"

        @OptionGroup var endpointOptions: EndpointOptions

        func validate() throws {
            if concurrency < 1 { throw ValidationError("--concurrency must be at least 1, not \(concurrency)") }
            _ = try LoggingOptions.level(logLevel)
        }

        func run() async throws {
            let file =
                try experiment.map { try ExperimentFile(path: $0) }
                ?? ExperimentFile(data: Data(BundledExperiments.calc.utf8), named: "the built-in experiment")
            let (spec, parsed) = (file.data, file.spec)
            var agents = BundledAgents.agents()
            if let command = parsed.agent {
                agents.removeAll { $0.task == parsed.task }
                agents.append(
                    try endpointOptions.commandAgent(
                        task: parsed.task, command: command.command, timeout: command.timeout.map { .seconds($0) }))
            }
            var logger = Logger(label: "fulmen.up")
            logger.logLevel = (try? LoggingOptions.level(logLevel)) ?? .warning
            let directory =
                data.map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-up-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

            // The nodes' own reports (a peer closing as the process ends) only when asked for detail.
            var nodeLogger = logger
            nodeLogger.logLevel = max(logger.logLevel, .error)
            let name = experiment.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "calc"
            let storeNode = try ZMQActorSystem.commandNode(bind: "tcp://127.0.0.1:0", advertise: nil, logger: nodeLogger)
            let clientNode = try await storeNode.settingUp {
                try ZMQActorSystem.commandNode(bind: "tcp://127.0.0.1:0", advertise: nil, logger: nodeLogger)
            }
            // A part that fails to start shuts both nodes down.
            let (hosted, store, pool, endpoint, trainer, submitted) = try await clientNode.settingUp {
                try await storeNode.settingUp {
                    let location: StoreConfiguration.Location =
                        data == nil ? .inMemory : .directory(directory.appendingPathComponent("store", isDirectory: true))
                    let hosted = try storeNode.makeWellKnown(StoreName.wellKnown) {
                        try StoreActor(configuration: StoreConfiguration(location: location), actorSystem: $0, logger: logger)
                    }
                    // Each part calls through its role's protocol, as it would from a process of its own.
                    let storeAddress = ActorAddress.wellKnown(StoreName.wellKnown, at: storeNode.node.endpoint)
                    let store = try $ControlStore<ZMQActorSystem>.resolve(id: storeAddress, using: clientNode)
                    // Episodes left when the experiment ends (or on Ctrl-C) get a few seconds, then go back to the store.
                    let pool = try RunnerPool(
                        store: try $RunnerStore<ZMQActorSystem>.resolve(id: storeAddress, using: clientNode), agents: agents,
                        configuration: .init(concurrency: concurrency, worker: "up-runner", shutdownGrace: .seconds(5)),
                        logger: logger)
                    let endpoint = try await endpointOptions.start(for: pool.attempts, advertise: nil, logger: logger)
                    let trainer = TrainerActor(
                        store: try $TrainerStore<ZMQActorSystem>.resolve(id: storeAddress, using: clientNode),
                        configuration: .init(name: "up-trainer", dataDirectory: directory.appendingPathComponent("checkpoints")),
                        logger: logger)
                    let submitted = try await store.submit(ExperimentSubmission(name: name, spec: spec))
                    return (hosted, store, pool, endpoint, trainer, submitted)
                }
            }
            let lifecycle = await ProcessServices()
            print("fulmen up: store, runner pool (\(concurrency) episodes at once) and trainer running; experiment \(submitted.id) (\(name))")
            if data == nil { print("checkpoints in \(directory.path)") }
            if let command = parsed.agent {
                print("agent: \(command.command.joined(separator: " ")), calling the policy at \(endpoint?.url ?? "-")")
            }
            fflush(nil)

            // The progress line ends the group when the experiment ends; SIGTERM or Ctrl-C end it sooner. Either
            // way the trainer stops, then the pool drains (in the reverse order of the list).
            let training = ClosureService.cancelledOnShutdown { try await trainer.run() }
            let progress = ClosureService.cancelledOnShutdown {
                _ = try await ExperimentProgress(store: store, experiment: submitted.id).follow()
            }
            let outcome = await lifecycle.runThenShutDown(
                [
                    .init(service: pool), .init(service: training),
                    .init(service: progress, successTerminationBehavior: .gracefullyShutdownGroup),
                ], nodes: [], logger: logger)
            if outcome.signal != nil { print("fulmen up: stopped by signal; experiment \(submitted.id) left unfinished") }
            if let metrics { try await writeMetrics(of: submitted.id, from: store, to: metrics) }
            endpoint?.serving.cancel()
            await clientNode.shutdown()
            await storeNode.shutdown()
            withExtendedLifetime(hosted) {}
            try outcome.exit()
        }

        /// Writes the experiment's metrics to `path`, one JSON object per step, then its status and message.
        private func writeMetrics(of experiment: ExperimentID, from store: some StoreReads, to path: String) async throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            encoder.dateEncodingStrategy = .secondsSince1970
            let lines = try await store.metrics(experiment, afterStep: nil).map { try encoder.encode($0) + Data("\n".utf8) }
            let final = try await store.experiment(experiment)
            let summary = try encoder.encode(["status": final.status.rawValue, "message": final.message ?? ""])
            guard FileManager.default.createFile(atPath: path, contents: lines.reduce(Data(), +) + summary + Data("\n".utf8)) else {
                throw ValidationError("cannot write \(path)")
            }
        }
    }
}
