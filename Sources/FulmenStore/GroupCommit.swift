import GRDB
import FulmenCore

/// Writes that arrived while the store was busy, committed together in one transaction.
///
/// A commit's cost is mostly the pages it writes to the write-ahead log, and concurrent
/// operations touch the same pages (the queue's indexes, the completions log): committing them
/// together writes each page once. Every caller is answered only after the commit. Writes
/// rarely fail, so a batch first runs without savepoints; if one of its writes throws, the
/// transaction is rolled back and the batch runs again with a savepoint for each write, so the
/// failure leaves the others intact.
struct GroupCommit {
    private var pending: [any PendingWrite] = []

    /// Adds a write; answers whether it is the first since the last commit, in which case the
    /// caller must schedule one.
    mutating func add<T: Sendable>(_ body: @escaping (Database) throws -> T, answer continuation: CheckedContinuation<T, any Error>) -> Bool {
        pending.append(Write(body: body, continuation: continuation))
        return pending.count == 1
    }

    /// Runs every pending write in one transaction, then answers their callers.
    mutating func commit(to database: StoreDatabase) {
        let writes = pending
        pending.removeAll(keepingCapacity: true)
        do {
            do {
                try database.write { db in
                    for write in writes { try write.runAlone(in: db) }
                }
            } catch is WriteFailed where writes.count > 1 {
                try database.write { db in
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

private protocol PendingWrite {
    func run(in db: Database)
    func runAlone(in db: Database) throws
    func answer(failure: (any Error)?)
}

private final class Write<T: Sendable>: PendingWrite {
    let body: (Database) throws -> T
    let continuation: CheckedContinuation<T, any Error>
    var result: Result<T, any Error>?

    init(body: @escaping (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

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
