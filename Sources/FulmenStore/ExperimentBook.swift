import Foundation
import GRDB
import FulmenCore

/// Experiments, their metrics and their checkpoints.
enum ExperimentBook {
    static func submit(_ submission: ExperimentSubmission, in db: Database, now: Date) throws -> Experiment {
        if let id = submission.id {
            guard !id.rawValue.isEmpty, id.rawValue.utf8.count <= 256 else {
                throw StoreError(.invalidArgument, "id: must have 1 to 256 bytes")
            }
            if try exists(id, in: db) { return try experiment(id, in: db) }
        }
        guard !submission.name.isEmpty else { throw StoreError(.invalidArgument, "name: must not be empty") }
        let id = submission.id ?? ExperimentID("ex-\(randomHex())")
        try db.execute(sql: """
            INSERT INTO experiments (id, name, spec, status, submitted_at) VALUES (?, ?, ?, 'submitted', ?)
            """, arguments: [id.rawValue, submission.name, submission.spec, now.storeTime])
        return try experiment(id, in: db)
    }

    /// The experiment `trainer` was running (it restarted), else the oldest submitted one, now
    /// running under `trainer`.
    static func claim(trainer: String, in db: Database, now: Date) throws -> Experiment? {
        if let id = try String.fetchOne(db, sql: """
            SELECT id FROM experiments WHERE status = 'running' AND trainer = ? ORDER BY seq LIMIT 1
            """, arguments: [trainer]) {
            return try experiment(ExperimentID(id), in: db)
        }
        guard let id = try String.fetchOne(db, sql: "SELECT id FROM experiments WHERE status = 'submitted' ORDER BY seq LIMIT 1") else {
            return nil
        }
        try db.execute(sql: """
            UPDATE experiments SET status = 'running', trainer = ?, started_at = ? WHERE id = ?
            """, arguments: [trainer, now.storeTime, id])
        return try experiment(ExperimentID(id), in: db)
    }

    static func update(_ id: ExperimentID, to status: ExperimentStatus, message: String?, in db: Database, now: Date) throws -> Experiment {
        let current = try experiment(id, in: db)
        _ = try current.status.transition(to: status)
        try db.execute(sql: """
            UPDATE experiments SET status = ?, message = COALESCE(?, message),
                started_at = CASE WHEN ? = 'running' THEN ? ELSE started_at END,
                ended_at = CASE WHEN ? IN ('finished', 'failed', 'cancelled') THEN ? ELSE ended_at END
            WHERE id = ?
            """, arguments: [status.rawValue, message, status.rawValue, now.storeTime, status.rawValue, now.storeTime, id.rawValue])
        return try experiment(id, in: db)
    }

    /// The experiment's rollouts that are not final.
    static func openRollouts(of id: ExperimentID, in db: Database) throws -> [RolloutID] {
        try String.fetchAll(db, sql: """
            SELECT id FROM rollouts WHERE experiment = ? AND status NOT IN ('succeeded', 'failed', 'cancelled')
            """, arguments: [id.rawValue]).map { RolloutID($0) }
    }

    static func addMetrics(_ points: [MetricPoint], to id: ExperimentID, in db: Database) throws {
        guard try exists(id, in: db) else { throw StoreError(.notFound, "no experiment \(id)") }
        let insert = try db.cachedStatement(sql: "INSERT INTO metrics (experiment, step, time, \"values\") VALUES (?, ?, ?, ?)")
        for point in points {
            guard point.values.values.allSatisfy(\.isFinite) else {
                throw StoreError(.invalidArgument, "metrics at step \(point.step): values must be finite")
            }
            try insert.execute(arguments: [id.rawValue, point.step, point.time.storeTime, try Blob.encode(point.values)])
        }
    }

    static func metrics(of id: ExperimentID, afterStep: Int?, in db: Database) throws -> [MetricPoint] {
        guard try exists(id, in: db) else { throw StoreError(.notFound, "no experiment \(id)") }
        return try Row.fetchAll(db, sql: """
            SELECT step, time, "values" FROM metrics WHERE experiment = ? AND step > ? ORDER BY step, rowid
            """, arguments: [id.rawValue, afterStep ?? Int.min]).map { row in
            MetricPoint(step: row["step"], time: row.date("time"), values: try Blob.decode([String: Double].self, from: row["values"]))
        }
    }

    static func addCheckpoint(_ checkpoint: Checkpoint, to id: ExperimentID, in db: Database) throws {
        guard try exists(id, in: db) else { throw StoreError(.notFound, "no experiment \(id)") }
        try db.execute(sql: """
            INSERT INTO checkpoints (experiment, step, location, resources, created_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [id.rawValue, checkpoint.step, checkpoint.location, checkpoint.resources, checkpoint.createdAt.storeTime])
    }

    static func exists(_ id: ExperimentID, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM experiments WHERE id = ?)", arguments: [id.rawValue]) ?? false
    }

    static func experiment(_ id: ExperimentID, in db: Database) throws -> Experiment {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE id = ?", arguments: [id.rawValue]) else {
            throw StoreError(.notFound, "no experiment \(id)")
        }
        return try decode(row, in: db)
    }

    static func all(status: ExperimentStatus?, in db: Database) throws -> [Experiment] {
        let rows = if let status {
            try Row.fetchAll(db, sql: "SELECT * FROM experiments WHERE status = ? ORDER BY seq", arguments: [status.rawValue])
        } else {
            try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY seq")
        }
        return try rows.map { try decode($0, in: db) }
    }

    private static func decode(_ row: Row, in db: Database) throws -> Experiment {
        let id = ExperimentID(row["id"])
        let checkpoints = try Row.fetchAll(db, sql: """
            SELECT step, location, resources, created_at FROM checkpoints WHERE experiment = ? ORDER BY step, rowid
            """, arguments: [id.rawValue]).map { row in
            Checkpoint(step: row["step"], location: row["location"], resources: row["resources"], createdAt: row.date("created_at"))
        }
        return Experiment(
            id: id, name: row["name"], spec: row["spec"], status: ExperimentStatus(rawValue: row["status"]) ?? .failed,
            trainer: row["trainer"], message: row["message"], submittedAt: row.date("submitted_at"),
            startedAt: row.optionalDate("started_at"),
            endedAt: row.optionalDate("ended_at"), checkpoints: checkpoints)
    }
}
