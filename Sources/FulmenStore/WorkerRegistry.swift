import Foundation
import GRDB
import FulmenCore

/// The runner processes the store knows, and the node each one calls from.
enum WorkerRegistry {
    static func register(_ registration: WorkerRegistration, node: String?, in db: Database, now: Date) throws -> Worker {
        guard !registration.id.rawValue.isEmpty else { throw StoreError(.invalidArgument, "id: must not be empty") }
        guard registration.concurrency >= 1 else { throw StoreError(.invalidArgument, "concurrency: must be at least 1") }
        try db.execute(sql: """
            INSERT INTO workers (id, tasks, host, concurrency, node, status, registered_at, last_seen)
            VALUES (?, ?, ?, ?, ?, 'active', ?, ?)
            ON CONFLICT (id) DO UPDATE SET tasks = excluded.tasks, host = excluded.host,
                concurrency = excluded.concurrency, node = excluded.node, status = 'active', last_seen = excluded.last_seen
            """, arguments: [
                registration.id.rawValue, try Blob.encode(registration.tasks), registration.host, registration.concurrency,
                node, now.storeTime, now.storeTime,
            ])
        return try worker(registration.id, in: db)
    }

    /// Records that a registered worker was heard from (from `node`, when it called remotely).
    static func seen(_ id: WorkerID, node: String?, snapshot: WorkerSnapshot?, in db: Database, now: Date) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE workers SET last_seen = ?, status = 'active', node = COALESCE(?, node), snapshot = COALESCE(?, snapshot)
            WHERE id = ?
            """)
        try statement.execute(arguments: [now.storeTime, node, try snapshot.map(Blob.encode), id.rawValue])
        guard db.changesCount > 0 else {
            throw StoreError(.unknownWorker, "no worker \(id): register it first")
        }
    }

    static func setStatus(_ status: WorkerStatus, of id: WorkerID, in db: Database) throws {
        try db.execute(sql: "UPDATE workers SET status = ? WHERE id = ?", arguments: [status.rawValue, id.rawValue])
        guard db.changesCount > 0 else { throw StoreError(.unknownWorker, "no worker \(id)") }
    }

    /// Marks the active workers calling from `node` as down.
    static func nodeDown(_ node: String, in db: Database) throws {
        try db.execute(sql: "UPDATE workers SET status = 'down' WHERE node = ? AND status = 'active'", arguments: [node])
    }

    static func worker(_ id: WorkerID, in db: Database) throws -> Worker {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM workers WHERE id = ?", arguments: [id.rawValue]) else {
            throw StoreError(.unknownWorker, "no worker \(id)")
        }
        return try decode(row, in: db)
    }

    static func all(in db: Database) throws -> [Worker] {
        try Row.fetchAll(db, sql: "SELECT * FROM workers ORDER BY registered_at").map { try decode($0, in: db) }
    }

    private static func decode(_ row: Row, in db: Database) throws -> Worker {
        let id = WorkerID(row["id"])
        return Worker(
            id: id, tasks: try Blob.decode([String].self, from: row["tasks"]), host: row["host"],
            concurrency: row["concurrency"], node: row["node"], status: WorkerStatus(rawValue: row["status"]) ?? .down,
            registeredAt: row.date("registered_at"), lastSeen: row.date("last_seen"),
            snapshot: try (row["snapshot"] as Data?).map { try Blob.decode(WorkerSnapshot.self, from: $0) },
            activeAttempts: try AttemptLedger.activeAttempts(of: id, in: db))
    }
}
