import ArgumentParser
import Foundation
import FulmenCore
import FulmenRunner
import FulmenTrainer
import Synchronization
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
            let (system, store) = try store.connect(as: $TrainerStore<ZMQActorSystem>.self)
            let trainer = TrainerActor(
                store: store,
                configuration: .init(name: name, dataDirectory: URL(fileURLWithPath: data, isDirectory: true)),
                logger: logging.logger(label: "fulmen.trainer"))
            print("trainer \(name) for store \(self.store.store), checkpoints in \(data)")
            fflush(nil)
            if try await cancelledBySignal({ try await trainer.run() }) {
                print("trainer \(name) stopped; a trainer started again with this name resumes from the latest checkpoint")
            }
            await system.shutdown()
        }
    }
}

/// Runs `body` until it returns or SIGTERM or SIGINT arrives, which cancels it. A stop asked for by a
/// signal is a clean end: whatever `body` throws as it is cancelled is not an error of the command's.
/// - Returns: whether a signal stopped it.
@discardableResult
func cancelledBySignal(_ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
    let signalled = SignalFlag()
    let work = Task { try await body() }
    let signals = TerminationSignals {
        signalled.raise()
        work.cancel()
    }
    let outcome = await work.result
    _ = consume signals
    if case .failure(let error) = outcome, !signalled.isRaised { throw error }
    return signalled.isRaised
}

/// Whether a termination signal arrived.
private final class SignalFlag: Sendable {
    private let raised = Mutex(false)

    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}
