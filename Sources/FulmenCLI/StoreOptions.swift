import ArgumentParser
import Distributed
import FulmenCore
import Logging
import ZMQActorSystem

/// The `--store` option of the commands that talk to a running store.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store's endpoint.")
    var store = "tcp://127.0.0.1:7200"

    @OptionGroup var keys: KeyOptions

    /// Runs `body` with the store resolved as `Stub` (see ``connect(as:)``), and shuts this process's node
    /// down afterwards, whether `body` returns or throws.
    func withStore<Stub: DistributedActor, Result>(
        as stub: Stub.Type, _ body: (Stub) async throws -> Result
    ) async throws -> Result where Stub.ActorSystem == ZMQActorSystem {
        let (system, store) = try connect(as: stub)
        do {
            let result = try await body(store)
            await system.shutdown()
            return result
        } catch {
            await system.shutdown()
            throw error
        }
    }

    /// A node of this process (on a free loopback port) and the store, resolved as `Stub`: the
    /// protocol of the calls the command makes (e.g. `$ControlStore<ZMQActorSystem>`), which its
    /// key's role must allow (`StoreRole`). The caller shuts the node down; a command that only makes calls
    /// uses ``withStore(as:_:)``.
    func connect<Stub: DistributedActor>(as _: Stub.Type) throws -> (system: ZMQActorSystem, store: Stub)
    where Stub.ActorSystem == ZMQActorSystem {
        var settings = ZMQActorSystem.Settings(bindEndpoint: "tcp://127.0.0.1:0")
        settings.logger.logLevel = .warning
        settings.security = try keys.security(listening: false, store: store)
        let system = try ZMQActorSystem(settings: settings)
        return (system, try Stub.resolve(id: .wellKnown(StoreName.wellKnown, at: store), using: system))
    }
}
