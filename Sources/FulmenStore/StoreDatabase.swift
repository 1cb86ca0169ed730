import Foundation
import GRDB
import FulmenCore

/// The store's SQLite database: opened in WAL mode and migrated to the current schema.
///
/// Writes run on GRDB's writer queue (`GroupCommit`) and reads on its reader connections: never
/// on Swift's cooperative thread pool, and not on the store actor, which takes requests in
/// meanwhile. A call answers only after its transaction committed to the write-ahead log, which
/// survives the process being killed.
struct StoreDatabase: Sendable {
    let writer: any DatabaseWriter
    /// Held for as long as the database is open (nil in memory).
    private let lock: DirectoryLock?

    init(location: StoreConfiguration.Location) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // Each commit reaches the write-ahead log before the call is answered; the log is
        // flushed to disk at checkpoints. That keeps everything acknowledged across a killed
        // process (the operating system holds the written pages); only a power loss can take
        // the last transactions.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads of hot pages without system calls: a 64 MiB page cache and a memory map.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
            // Checkpoints (which wait for the disk) every 32 MiB of log rather than every 4 MiB.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
        }
        switch location {
        case .inMemory:
            lock = nil
            writer = try DatabaseQueue(configuration: configuration)
        case .directory(let directory):
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            lock = try DirectoryLock(directory)
            writer = try DatabasePool(path: directory.appendingPathComponent("store.sqlite").path, configuration: configuration)
        }
        try StoreSchema.migrator.migrate(writer)
    }

    /// Runs `body` on a consistent snapshot of the database, off the store's actor (concurrently
    /// with writes when the store is on disk).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The error a caller gets: database failures and illegal status moves become `StoreError`s.
    static func storeError(_ error: any Error) -> any Error {
        switch error {
        case let error as DatabaseError: StoreError(.storage, "database: \(error.message ?? error.description)")
        case let error as StatusTransitionError: StoreError(.illegalTransition, error.description)
        default: error
        }
    }
}
