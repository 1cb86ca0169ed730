import ArgumentParser
import Foundation
import FulmenCore
import FulmenRunner
import FulmenAgents
import FulmenTasks
import Logging
import ServiceLifecycle
import ZMQActorSystem

extension Fulmen {
    /// Runs a pool of concurrent episodes for a store until stopped.
    struct RunnerCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "runner",
            abstract: "Run episodes of the bundled agents for a store: a pool of concurrent episodes sharing one local policy model.",
            discussion: """
                The pool registers with the store as a worker, claims rollouts of the tasks it hosts \
                while it has free slots, and uploads every episode's spans. Model calls of concurrent \
                episodes share forward passes. SIGTERM or SIGINT stops claiming; running episodes get \
                --grace seconds to finish, the rest go back to the store to be retried elsewhere.

                The pool serves an OpenAI-compatible HTTP endpoint for its policy model (--endpoint), \
                under a path per attempt. Give a command after `--` and the pool's one task is played by \
                that program instead of the bundled agent: each episode runs it with the task as JSON on \
                standard input and OPENAI_BASE_URL, OPENAI_API_KEY and FULMEN_REWARD_URL in its \
                environment; it settles the attempt by its exit status and an optional last line of \
                output {"reward": R}.

                Examples:
                  fulmen runner --store tcp://store.example:7200 --concurrency 32 --tasks calc,sql
                  fulmen runner --store tcp://store.example:7200 --tasks calc -- python3 my_agent.py
                """
        )

        @Option(help: "The store's endpoint.")
        var store: String

        @Option(help: "How many episodes run at once.")
        var concurrency = 8

        @Option(help: "The tasks to host, comma-separated (default: every bundled task).")
        var tasks: String?

        @Option(help: "Where this runner's node listens (the store calls back to it); port 0 picks a free port.")
        var bind = "tcp://127.0.0.1:0"

        @Option(help: "The host name other nodes use to reach this one, when listening on 0.0.0.0.")
        var advertise: String?

        @Option(help: "The worker id to register under (default: HOST-PID).")
        var worker: String?

        @Option(help: "Threads for the policy model; keep 1 when several processes share few cores.")
        var threads = 1

        @Option(help: "The most model calls that share one forward pass.")
        var maxBatch = 64

        @Flag(help: "Run model calls one at a time instead of batching them (for comparison).")
        var noBatching = false

        @Option(help: "Seconds running episodes may take to finish after SIGTERM before they are handed back.")
        var grace = 30.0

        @Option(help: "Seconds between progress lines; 0 prints none.")
        var progress = 10.0

        @OptionGroup var endpointOptions: EndpointOptions

        @Option(help: "Seconds an agent command's process may run for one episode before it is killed.")
        var agentTimeout = 300.0

        @Argument(
            parsing: .postTerminator,
            help: "After `--`: a program (and its arguments) that plays the task's episodes instead of the bundled agent.")
        var agentCommand: [String] = []

        @OptionGroup var logging: LoggingOptions
        @OptionGroup var keys: KeyOptions

        func validate() throws {
            if concurrency < 1 { throw ValidationError("--concurrency must be at least 1, not \(concurrency)") }
            if threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
            if maxBatch < 1 { throw ValidationError("--max-batch must be at least 1, not \(maxBatch)") }
            if grace < 0 { throw ValidationError("--grace cannot be negative") }
            _ = try agents()
        }

        /// The agents the pool hosts: the bundled ones, or the command for the one task named.
        private func agents() throws -> [any Agent] {
            let tasks = try hostedTasks()
            guard !agentCommand.isEmpty else { return BundledAgents.agents(for: tasks) }
            guard self.tasks != nil, tasks.count == 1 else {
                throw ValidationError("an agent command plays one task: name it with --tasks (e.g. --tasks calc)")
            }
            guard agentTimeout > 0 else { throw ValidationError("--agent-timeout must be above 0 seconds") }
            return [try endpointOptions.commandAgent(task: tasks[0].name, command: agentCommand, timeout: .seconds(agentTimeout))]
        }

        private func hostedTasks() throws -> [any BundledTask] {
            guard let tasks else { return BundledTasks.all }
            let names = tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if names.isEmpty || names.contains("") {
                throw ValidationError("--tasks: give task names separated by commas, e.g. calc,sql")
            }
            do {
                return try names.map { try BundledTasks.named($0) }
            } catch {
                throw ValidationError("--tasks: \(error)")
            }
        }

        func run() async throws {
            let logger = logging.logger(label: "fulmen.runner")
            let system = try ZMQActorSystem.commandNode(bind: bind, advertise: advertise, logger: logger, security: try keys.security(listening: true, store: self.store))
            var configuration = RunnerPool.Configuration(
                concurrency: concurrency, worker: worker.map { WorkerID($0) },
                shutdownGrace: .seconds(grace),
                inference: InferenceSettings(threads: threads, batching: !noBatching, maxBatch: maxBatch))
            configuration.host = advertise ?? configuration.host
            let (pool, endpoint) = try await system.settingUp { [configuration] in
                let store = try $RunnerStore<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: self.store), using: system)
                let pool = try RunnerPool(store: store, agents: try agents(), configuration: configuration, logger: logger)
                return (pool, try await endpointOptions.start(for: pool.attempts, advertise: advertise, logger: logger))
            }
            defer { endpoint?.serving.cancel() }
            let lifecycle = await ProcessServices()
            print("runner \(configuration.worker) on \(system.node.endpoint): \(pool.tasks.joined(separator: ", ")) × \(concurrency) for store \(self.store)")
            if let endpoint { print("OpenAI-compatible endpoint: \(endpoint.url)/rollouts/ROLLOUT/attempts/ATTEMPT/v1") }
            if !agentCommand.isEmpty { print("agent command: \(agentCommand.joined(separator: " "))") }
            fflush(nil)
            // SIGTERM or Ctrl-C: the progress line stops, then the pool stops claiming, gives running episodes
            // the grace period and hands back the rest; the endpoint serves their agents until then.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: pool)]
            if progress > 0 {
                services.append(.init(service: ClosureService { [progress] in await report(pool, every: progress) }))
            }
            var outcome = await lifecycle.runThenShutDown(services, nodes: [system], logger: logger)
            if let error = outcome.error { outcome.error = Unreachable(endpoint: self.store, reason: error) }
            print("runner stopped: \(await pool.statistics().summary)")
            try outcome.exit()
        }

        /// Prints a line of progress every `seconds`, until the process shuts down.
        private func report(_ pool: RunnerPool, every seconds: Double) async {
            var last = (finished: 0, at: ContinuousClock.now)
            // Each wait is cut short, and the loop ended, when the process shuts down.
            while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }) != nil {
                let statistics = await pool.statistics()
                let now = ContinuousClock.now
                let rate = Double(statistics.finished - last.finished) / (now - last.at).inSeconds
                last = (statistics.finished, now)
                print("runner: \(statistics.summary), \(String(format: "%.1f", rate)) episodes/s")
                fflush(nil)
            }
        }
    }
}

extension RunnerStatistics {
    /// One line for people: episodes by outcome, model batching, uploads.
    var summary: String {
        "\(finished) episodes (\(succeeded) succeeded, \(failed) failed, \(cancelled) cancelled, \(handedBack) handed back), "
            + "\(running) running, \(inference.calls) model calls in \(inference.batches) batches "
            + "(mean \(String(format: "%.1f", inference.meanBatch))), \(spans) spans, \(weightFetches) weight fetches"
    }
}
