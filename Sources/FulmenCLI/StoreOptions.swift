import ArgumentParser
import FulmenCore
import Logging
import ZMQActorSystem

/// The `--store` option of the commands that talk to a running store.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store's endpoint.")
    var store = "tcp://127.0.0.1:7200"

    @OptionGroup var keys: KeyOptions

    /// A node of this process (on a free loopback port) and the store, resolved.
    func connect() throws -> (system: ZMQActorSystem, store: $Store<ZMQActorSystem>) {
        var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
        settings.logger.logLevel = .warning
        settings.security = try keys.security(listening: false, store: store)
        let system = try ZMQActorSystem(settings: settings)
        return (system, try $Store<ZMQActorSystem>.resolve(id: .wellKnown(StoreName.wellKnown, at: store), using: system))
    }
}
