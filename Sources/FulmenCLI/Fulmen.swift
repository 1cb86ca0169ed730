import ArgumentParser
public import FulmenTrainer
import FulmenTrainingAPI

/// Fulmen's command line: what the `fulmen` executable runs, and what a user's own trainer executable runs with
/// their algorithms registered (README, "Your own algorithm"):
///
/// ```swift
/// import FulmenCLI
///
/// @main enum MyFulmen {
///     static func main() async { await FulmenCommandLine.main(registering: [Reinforce.self]) }
/// }
/// ```
///
/// Every command of `fulmen` is there (`trainer`, `submit`, `up`, …), and specs may name the algorithms
/// registered besides Fulmen's own.
public enum FulmenCommandLine {
    /// Registers `algorithms` with the trainer (``AlgorithmRegistry``), besides Fulmen's own and `external` (the
    /// training API), then parses the process's arguments and runs the command they name; exits when it ends.
    public static func main(registering algorithms: [any Algorithm.Type] = []) async {
        for algorithm in [External.self] + algorithms { AlgorithmRegistry.register(algorithm) }
        await Fulmen.main()
    }
}

/// The commands, under `fulmen`.
struct Fulmen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulmen",
        abstract: "Make agents learn from their own experience.",
        discussion: """
            Fulmen runs as separate processes that talk through distributed actors over ZeroMQ: a store, \
            runner pools and trainers, controlled with submit, status, watch and cancel. `up` runs all \
            three in one process on a bundled experiment.
            """,
        subcommands: [
            Up.self, StoreCommand.self, RunnerCommand.self, TrainerCommand.self, Submit.self, Status.self, Watch.self,
            Rollouts.self, Traces.self, Cancel.self, Export.self, Keygen.self, Models.self, Node.self, Ping.self,
        ],
        defaultSubcommand: Up.self
    )
}
