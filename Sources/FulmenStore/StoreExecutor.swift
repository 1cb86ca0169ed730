import Dispatch

/// The serial executor the store actor runs on: a dispatch queue of its own, so that its SQLite
/// transactions, which block, run there rather than on Swift's cooperative thread pool, and
/// without a hop to another thread for each of them.
final class StoreExecutor: SerialExecutor {
    private let queue = DispatchQueue(label: "fulmen.store")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}
