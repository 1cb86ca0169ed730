import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization
import ZMQActorSystem

/// How a long-running command (`store`, `runner`, `trainer`, `up`) runs its parts: as services of one
/// `ServiceGroup` that SIGTERM and SIGINT (Ctrl-C) shut down gracefully, in the reverse order of the list (so
/// list first what the others depend on: a runner pool before the progress line that reads it), then its
/// actor-system nodes, on every path.
///
/// The signals are watched here rather than by the group itself, so the command knows which one stopped it:
/// SIGTERM is a clean end (exit 0), and SIGINT ends it with status 130, as shells expect of Ctrl-C. A second
/// signal cancels what is still shutting down. They are trapped from the moment this value is made, so a
/// command makes it before it says it is ready: a signal sent right after that line must not kill it outright.
struct ProcessServices {
    private let signals: UnixSignalsSequence

    /// Traps SIGTERM and SIGINT from now on.
    init() async {
        signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
    }

    /// How a command's services ended.
    struct Outcome {
        /// The first signal that arrived, if one did.
        var signal: UnixSignal?
        /// What a service threw, if one did.
        var error: (any Error)?

        /// Ends the command as the services ended: with their error, or with status 130 after Ctrl-C.
        func exit() throws {
            if let error { throw error }
            if signal == .sigint { throw ExitCode(130) }
        }
    }

    /// Runs `services` until they end or a signal shuts them down, then shuts `nodes` down.
    func runThenShutDown(
        _ services: [ServiceGroupConfiguration.ServiceConfiguration], nodes: [ZMQActorSystem], logger: Logger
    ) async -> Outcome {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        let received = Mutex<UnixSignal?>(nil)
        let running = Task { try await group.run() }
        let watching = Task { [signals] in
            for await signal in signals {
                let first = received.withLock { seen in
                    defer { seen = seen ?? signal }
                    return seen == nil
                }
                if first {
                    logger.info("shutting down", metadata: ["signal": "\(signal)"])
                    await group.triggerGracefulShutdown()
                } else {
                    logger.notice("second signal: stopping at once", metadata: ["signal": "\(signal)"])
                    running.cancel()
                }
            }
        }
        var outcome = Outcome()
        do {
            try await running.value
        } catch {
            outcome.error = error
        }
        watching.cancel()
        for node in nodes { await node.shutdown() }
        outcome.signal = received.withLock { $0 }
        return outcome
    }
}

/// A service made of a closure: a part of a command that has no type of its own (a node's event log, a
/// progress line).
struct ClosureService: Service {
    let body: @Sendable () async throws -> Void

    init(_ body: @escaping @Sendable () async throws -> Void) { self.body = body }

    /// A service that runs `body` until it returns or the process shuts down, which cancels it: for work that
    /// stops by cancellation (a trainer's loop). The cancellation is how it ends, not an error.
    static func cancelledOnShutdown(_ body: @escaping @Sendable () async throws -> Void) -> ClosureService {
        ClosureService {
            do {
                try await cancelWhenGracefulShutdown(body)
            } catch is CancellationError where Task.isShuttingDownGracefully {
                return
            }
        }
    }

    func run() async throws { try await body() }
}
