import Dispatch

/// A serial queue for blocking model work (forward and backward passes, generation, loading weights), on a
/// thread of its own rather than Swift's cooperative pool, which must never block.
///
/// Work submitted from async code waits for its turn without holding a thread.
public final class ComputeQueue: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue after the work before it, and answers its result.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { () throws(E) -> T in try body() }) }
        }
        return try result.get()
    }

    /// Schedules `body` on the queue without waiting for it.
    public func submit(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
