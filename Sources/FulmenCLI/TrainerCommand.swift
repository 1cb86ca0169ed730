import ArgumentParser
import Foundation
import FulmenCore
import FulmenTrainer
import ServiceLifecycle
import ZMQActorSystem

extension Fulmen {
    /// Runs experiments for a store until stopped.
    struct TrainerCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trainer",
            abstract: "Run submitted experiments: their phases (SFT, GRPO, search, external, or a registered algorithm) on the policy, with rollouts played by the runners.",
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
            let (system, store) = try store.connect(as: $TrainerStore<ZMQActorSystem>.self)
            let trainer = TrainerActor(
                store: store,
                configuration: .init(name: name, dataDirectory: URL(fileURLWithPath: data, isDirectory: true)),
                logger: logging.logger(label: "fulmen.trainer"))
            let lifecycle = await ProcessServices()
            print("trainer \(name) for store \(self.store.store), checkpoints in \(data)")
            fflush(nil)
            // SIGTERM or Ctrl-C cancels the experiment's work; its checkpoints stay for the next life.
            let training = ClosureService.cancelledOnShutdown { try await trainer.run() }
            let outcome = await lifecycle.runThenShutDown(
                [.init(service: training)], nodes: [system], logger: logging.logger(label: "fulmen.trainer"))
            if outcome.signal != nil {
                print("trainer \(name) stopped; a trainer started again with this name resumes from the latest checkpoint")
            }
            try outcome.exit()
        }
    }
}
