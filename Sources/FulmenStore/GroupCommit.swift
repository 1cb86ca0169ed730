import FulmenCore
import GRDB
import Synchronization

/// Writes that arrived while the previous commit was running, committed together in one
/// transaction.
///
/// The commits run on GRDB's writer queue, one after the other, for as long as writes keep
/// arriving: a write submitted while a commit runs joins the next one, with no hop to another
/// thread in between, while the store's actor goes on taking requests in. A commit's cost is
/// mostly the pages it writes to the write-ahead log, and concurrent operations touch the same
/// pages (the queue's indexes, the completions log): committing them together writes each page
/// once. Every caller is answered only after its commit. Writes rarely fail, so a batch first
/// runs without savepoints; if one of its writes throws, the transaction is rolled back and the
/// batch runs again with a savepoint for each write, so the failure leaves the others intact.
final class GroupCommit: Sendable {
    private struct State {
        var pending: [any PendingWrite] = []
        var isCommitting = false
    }

    private let database: StoreDatabase
    private let state = Mutex(State())

    init(database: StoreDatabase) {
        self.database = database
    }

    /// Runs `body` in the next commit and answers its result once committed. The caller stays on
    /// its actor meanwhile (no hop off it and back).
    func write<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state in
                state.pending.append(Write(body: body, continuation: continuation))
                defer { state.isCommitting = true }
                return !state.isCommitting
            }
            if start {
                database.writer.asyncWriteWithoutTransaction { db in self.commitWhilePending(db) }
            }
        }
    }

    /// Commits batch after batch on the writer's queue until no write is waiting.
    private func commitWhilePending(_ db: Database) {
        while true {
            let writes = state.withLock { state -> [any PendingWrite] in
                defer { state.pending.removeAll(keepingCapacity: true) }
                if state.pending.isEmpty { state.isCommitting = false }
                return state.pending
            }
            guard !writes.isEmpty else { return }
            commit(writes, in: db)
        }
    }

    private func commit(_ writes: [any PendingWrite], in db: Database) {
        do {
            do {
                try db.inTransaction {
                    for write in writes { try write.runAlone(in: db) }
                    return .commit
                }
            } catch is WriteFailed where writes.count > 1 {
                try db.inTransaction {
                    for write in writes { write.run(in: db) }
                    return .commit
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
/// `@unchecked Sendable`: `result` is written and read only on the writer's queue, by the one
/// commit that runs the write and then answers it.
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
