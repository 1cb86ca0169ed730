public import FulmenCore
public import Foundation
public import Logging

/// A trainer process's worker: claims submitted experiments from the store one at a time and runs each to
/// its end (see ``ExperimentRun``), reporting metrics, checkpoints and the final status back to the store.
///
/// An experiment the trainer was running when it stopped is given back to it when it claims again (the
/// store remembers which trainer holds it), and resumes from its latest checkpoint.
public actor TrainerActor {
    /// How a trainer runs.
    public struct Configuration: Sendable {
        /// The name the store knows this trainer by; a restarted trainer must keep it to resume its experiment.
        public var name: String
        /// Where checkpoints are written: one folder per experiment.
        public var dataDirectory: URL
        /// How long one long poll for a submitted experiment waits.
        public var claimWait: Duration

        public init(name: String, dataDirectory: URL, claimWait: Duration = .seconds(10)) {
            self.name = name
            self.dataDirectory = dataDirectory
            self.claimWait = claimWait
        }
    }

    public nonisolated let configuration: Configuration
    private let store: any TrainerStore
    private let logger: Logger

    public init(store: any TrainerStore, configuration: Configuration, logger: Logger = Logger(label: "fulmen.trainer")) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Claims and runs experiments until the calling task is cancelled.
    public func run() async throws {
        logger.info("trainer waiting for experiments", metadata: ["trainer": "\(configuration.name)"])
        while !Task.isCancelled {
            let claimed: Experiment?
            do {
                claimed = try await store.claimExperiment(trainer: configuration.name, wait: configuration.claimWait)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not claim an experiment; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
                continue
            }
            if let claimed { await runExperiment(claimed) }
        }
    }

    /// Runs one experiment and records how it ended.
    func runExperiment(_ experiment: Experiment) async {
        logger.info("experiment started", metadata: ["experiment": "\(experiment.id)", "name": "\(experiment.name)"])
        do {
            let run = try await ExperimentRun.prepare(
                experiment, store: store, dataDirectory: configuration.dataDirectory, logger: logger)
            let summary = try await run.run()
            _ = try await store.updateExperiment(experiment.id, status: .finished, message: summary)
            logger.info("experiment finished", metadata: ["experiment": "\(experiment.id)", "summary": "\(summary)"])
        } catch is CancellationError {
            logger.info("experiment stopped", metadata: ["experiment": "\(experiment.id)"])
        } catch {
            logger.error("experiment failed", metadata: ["experiment": "\(experiment.id)", "error": "\(error)"])
            _ = try? await store.updateExperiment(experiment.id, status: .failed, message: "\(error)")
        }
    }
}
