import ArgumentParser

/// The one Fulmen executable.
@main
struct Fulmen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulmen",
        abstract: "Make agents learn from their own experience.",
        discussion: """
            Fulmen runs as separate processes that talk through distributed actors over ZeroMQ.
            Until the store, runners and trainer land, `up` demonstrates the actor system.
            """,
        subcommands: [Up.self, StoreCommand.self, RunnerCommand.self, Node.self, Ping.self],
        defaultSubcommand: Up.self
    )
}
