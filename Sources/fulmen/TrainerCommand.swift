import ArgumentParser
import Foundation
import FulmenCore
import FulmenRunner
import FulmenTrainer
import ZMQActorSystem

extension Fulmen {
    /// Runs experiments for a store until stopped.
    struct TrainerCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trainer",
            abstract: "Run submitted experiments: SFT and GRPO steps on the policy, with rollouts played by the runners.",
            discussion: """
                The trainer claims one submitted experiment at a time, trains, publishes each new version \
                of the weights for the runners, reports metrics, and checkpoints under --data. Restarted \
                with the same --name, it resumes its experiment from the latest checkpoint.

                Example:
                  fulmen trainer --store tcp://store.example:7200 --data /var/lib/fulmen-trainer
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Where checkpoints are written.")
        var data = "fulmen-trainer"

        @Option(help: "The name the store knows this trainer by; keep it across restarts to resume.")
        var name = "trainer-\(ProcessInfo.processInfo.hostName)"

        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let (system, store) = try store.connect()
            let trainer = TrainerActor(
                store: store,
                configuration: .init(name: name, dataDirectory: URL(fileURLWithPath: data, isDirectory: true)),
                logger: logging.logger(label: "fulmen.trainer"))
            print("trainer \(name) for store \(self.store.store), checkpoints in \(data)")
            fflush(nil)
            try await cancelledBySignal { try await trainer.run() }
            await system.shutdown()
        }
    }
}

/// Runs `body` until it returns or SIGTERM or SIGINT arrives, which cancels it.
func cancelledBySignal(_ body: @escaping @Sendable () async throws -> Void) async throws {
    let work = Task { try await body() }
    let signals = TerminationSignals { work.cancel() }
    try await work.value
    _ = consume signals
}
