/// Long polls waiting for one kind of change, all woken at once when it happens.
///
/// A caller reads `generation` before it looks for results and waits only if the generation has
/// not moved since, so a change that lands while it looks is never missed.
struct WaitList {
    private struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        let timer: Task<Void, Never>
    }

    private var waiters: [UInt64: Waiter] = [:]
    private var nextToken: UInt64 = 0
    /// How many changes happened so far.
    private(set) var generation: UInt64 = 0

    /// Parks a waiter until the next change or until `timer` calls `expire` with the token.
    mutating func add(_ continuation: CheckedContinuation<Void, Never>, timer: (UInt64) -> Task<Void, Never>) {
        nextToken += 1
        waiters[nextToken] = Waiter(continuation: continuation, timer: timer(nextToken))
    }

    /// Wakes the waiter whose time ran out.
    mutating func expire(_ token: UInt64) {
        waiters.removeValue(forKey: token)?.continuation.resume()
    }

    /// Records a change and wakes every waiter.
    mutating func changed() {
        generation &+= 1
        let woken = waiters.values
        waiters.removeAll(keepingCapacity: true)
        for waiter in woken {
            waiter.timer.cancel()
            waiter.continuation.resume()
        }
    }
}
