import Synchronization

/// How an `external` phase's serving ends, on either face: the program says it is done, it falls silent for
/// the idle timeout (it is taken to be gone), the phase is cancelled, or the server stops on its own.
enum ExternalPhaseEnd {
    /// Waits for the first of those; `.success` when the program said it is done.
    static func wait(
        done: AsyncStream<Void>, activity: Activity, idleTimeout: Duration,
        serverStopped: AsyncStream<Result<Void, any Error>>? = nil
    ) async -> Result<Void, any Error> {
        await withTaskGroup(of: Result<Void, any Error>.self) { waits in
            waits.addTask {
                for await _ in done {}
                // The stream also ends when the phase is cancelled (the trainer stopping, say).
                return Task.isCancelled ? .failure(CancellationError()) : .success(())
            }
            waits.addTask {
                do {
                    try await activity.waitUntilIdle(for: idleTimeout)
                    return .failure(TrainingAPIError.idle(idleTimeout))
                } catch {
                    return .failure(error)
                }
            }
            if let serverStopped {
                waits.addTask {
                    for await end in serverStopped { return end }
                    return .failure(CancellationError())
                }
            }
            let first = await waits.next()!
            waits.cancelAll()
            return first
        }
    }
}

/// When the API last heard a request, and a wait for a quiet spell.
final class Activity: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func touch() { last.withLock { $0 = .now } }

    /// Returns once no request came for `limit`.
    func waitUntilIdle(for limit: Duration) async throws {
        while true {
            let deadline = last.withLock { $0 } + limit
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(until: deadline)
        }
    }
}
