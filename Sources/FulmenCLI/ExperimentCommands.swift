import ArgumentParser
import Foundation
import FulmenCore
import FulmenTrainer
import ZMQActorSystem

extension Fulmen {
    /// Submits an experiment spec to the store.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit an experiment (a YAML spec) for a trainer to run.",
            discussion: """
                The spec is checked before it is sent: a missing, unknown or out-of-range field is \
                named. See examples/ for a spec per bundled task.

                Example:
                  fulmen submit examples/calc.yaml --store tcp://store.example:7200
                  fulmen watch EXPERIMENT-ID --store tcp://store.example:7200
                """
        )

        @Argument(help: "The experiment's YAML spec.")
        var file: String

        @Option(help: "A name for the experiment (default: the file's name).")
        var name: String?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let data = try ExperimentFile(path: file).data
            try await store.withStore(as: $ControlStore<ZMQActorSystem>.self) { store in
                let experimentName = name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                let experiment = try await store.submit(ExperimentSubmission(name: experimentName, spec: data))
                print("submitted \(experiment.id) (\(experiment.name)); follow it with: fulmen watch \(experiment.id) --store \(self.store.store)")
            }
        }
    }

    /// Shows experiments and their latest figures.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the store's experiments, or one experiment in detail.",
            discussion: """
                Example:
                  fulmen status --store tcp://127.0.0.1:7200
                  fulmen status EXPERIMENT-ID
                """
        )

        @Argument(help: "An experiment id (default: list every experiment).")
        var id: String?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withStore(as: $StoreReads<ZMQActorSystem>.self) { store in
                if let id {
                    let experiment = try await store.experiment(ExperimentID(id))
                    let metrics = try await store.metrics(experiment.id, afterStep: nil)
                    print(ExperimentProgress.describe(experiment, metrics: metrics))
                } else {
                    let experiments = try await store.experiments(status: nil)
                    if experiments.isEmpty { print("no experiments") }
                    for experiment in experiments {
                        print("\(experiment.id)  \(experiment.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(experiment.name)  \(experiment.message ?? "")")
                    }
                }
            }
        }
    }

    /// Follows an experiment until it ends.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow an experiment's progress until it ends: steps, loss or reward, validation success, rollouts/s.",
            discussion: """
                Example:
                  fulmen watch EXPERIMENT-ID --store tcp://127.0.0.1:7200
                """
        )

        @Argument(help: "The experiment's id.")
        var id: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let final = try await store.withStore(as: $StoreReads<ZMQActorSystem>.self) { store in
                try await ExperimentProgress(store: store, experiment: ExperimentID(id)).follow()
            }
            if final.status != .finished { throw ExitCode.failure }
        }
    }

    /// Cancels an experiment.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel an experiment and its rollouts that have not settled.",
            discussion: """
                Example:
                  fulmen cancel EXPERIMENT-ID --store tcp://127.0.0.1:7200
                """
        )

        @Argument(help: "The experiment's id.")
        var id: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withStore(as: $ControlStore<ZMQActorSystem>.self) { store in
                let experiment = try await store.cancelExperiment(ExperimentID(id))
                print("\(experiment.id): \(experiment.status.rawValue)")
            }
        }
    }
}
