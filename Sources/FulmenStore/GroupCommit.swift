import GRDB
import FulmenCore

/// Writes that arrived while the previous commit was running, committed together in one
/// transaction.
///
/// The store's actor takes requests in while SQLite commits on GRDB's writer queue, so the two
/// run on different threads. A commit's cost is mostly the pages it writes to the write-ahead
/// log, and concurrent operations touch the same pages (the queue's indexes, the completions
/// log): committing them together writes each page once. Every caller is answered only after
/// the commit. Writes rarely fail, so a batch first runs without savepoints; if one of its
/// writes throws, the transaction is rolled back and the batch runs again with a savepoint for
/// each write, so the failure leaves the others intact.
struct GroupCommit {
    private var pending: [any PendingWrite] = []
    /// Whether a batch is being committed.
    private(set) var isCommitting = false

    mutating func add<T: Sendable>(
        _ body: @escaping @Sendable (Database) throws -> T, answer continuation: CheckedContinuation<T, any Error>
    ) {
        pending.append(Write(body: body, continuation: continuation))
    }

    /// Takes the writes waiting for a commit, if there are any and none is running.
    mutating func nextBatch() -> CommitBatch? {
        guard !isCommitting, !pending.isEmpty else { return nil }
        isCommitting = true
        defer { pending.removeAll(keepingCapacity: true) }
        return CommitBatch(writes: pending)
    }

    /// Records that the running commit ended.
    mutating func finished() {
        isCommitting = false
    }
}

/// Writes committed together.
struct CommitBatch: Sendable {
    fileprivate let writes: [any PendingWrite]

    /// Runs every write in one transaction on the writer's queue, then answers their callers.
    func commit(to database: StoreDatabase) async {
        let writes = writes
        do {
            do {
                try await database.write { db in
                    for write in writes { try write.runAlone(in: db) }
                }
            } catch is WriteFailed where writes.count > 1 {
                try await database.write { db in
                    for write in writes { write.run(in: db) }
                }
            }
            for write in writes { write.answer(failure: nil) }
        } catch let failure as WriteFailed {
            for write in writes { write.answer(failure: failure.error) }
        } catch {
            for write in writes { write.answer(failure: error) }
        }
    }
}

/// A write of a batch threw (as opposed to the commit itself failing).
private struct WriteFailed: Error {
    let error: any Error
}

private protocol PendingWrite: Sendable {
    func run(in db: Database)
    func runAlone(in db: Database) throws
    func answer(failure: (any Error)?)
}

/// One caller's write and, once run, its result.
///
/// `@unchecked Sendable`: `result` is written only while the batch runs on the writer's queue
/// and read only after that run returned (`answer`), never at the same time.
private final class Write<T: Sendable>: PendingWrite, @unchecked Sendable {
    let body: @Sendable (Database) throws -> T
    let continuation: CheckedContinuation<T, any Error>
    var result: Result<T, any Error>?

    init(body: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    /// Runs the write in a savepoint of its own, keeping its failure to itself.
    func run(in db: Database) {
        do {
            var value: T?
            try db.inSavepoint {
                value = try body(db)
                return .commit
            }
            result = .success(value!)
        } catch {
            result = .failure(StoreDatabase.storeError(error))
        }
    }

    /// Runs the write with no savepoint of its own; a failure rolls back the whole batch.
    func runAlone(in db: Database) throws {
        do {
            result = .success(try body(db))
        } catch {
            throw WriteFailed(error: error)
        }
    }

    /// Answers the caller: its own result, or the commit's failure.
    func answer(failure: (any Error)?) {
        if let failure {
            continuation.resume(throwing: StoreDatabase.storeError(failure))
        } else {
            continuation.resume(with: result!)
        }
    }
}
