import ArgumentParser

/// The one Fulmen executable.
@main
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
            Rollouts.self, Traces.self, Cancel.self, Export.self, Keygen.self, Node.self, Ping.self,
        ],
        defaultSubcommand: Up.self
    )
}
