import FulmenCore
import Logging
import ZMQActorSystem

/// Calls to the store that outlive a brief outage: a call that failed because the store could not be
/// reached (its node is down or restarting, or it did not answer in time) is retried with growing pauses;
/// an error the store itself answered is not.
struct StoreReports: Sendable {
    let logger: Logger
    /// Pauses between tries: 0.2 s doubling, so the last try comes about 6 s after the first.
    var attempts = 6

    func retrying<T: Sendable>(
        _ what: String, isolation: isolated (any Actor)? = #isolation, _ call: () async throws -> T
    ) async throws -> T {
        var pause = Duration.milliseconds(200)
        for attempt in 1... {
            do {
                return try await call()
            } catch let error as RemoteCallError where attempt < attempts && Self.isTransient(error) {
                logger.debug("store call failed; retrying", metadata: ["call": "\(what)", "error": "\(error)"])
                try await Task.sleep(for: pause)
                pause *= 2
            }
        }
        preconditionFailure("unreachable: the loop returns or throws")
    }

    private static func isTransient(_ error: RemoteCallError) -> Bool {
        [.nodeDown, .deadlineExceeded, .shutDown, .sendQueueFull, .staleIncarnation].contains(error.code)
    }

    /// Whether `error` is the store saying it does not know the calling worker (it lost its registration).
    static func isUnknownWorker(_ error: any Error) -> Bool {
        guard let remote = error as? RemoteError, let storeError = remote.decode(as: StoreError.self) else {
            return false
        }
        return storeError.code == .unknownWorker
    }
}
