import Foundation
import GRDB
import FulmenCore

/// What a worker reports about an attempt.
enum AttemptReport: Sendable {
    case running
    case heartbeat
    case ended(AttemptOutcome)
}

/// The store's answer to a report, with what the actor must log and whom it must wake.
struct ReportResult: Sendable {
    var answer: ReportAnswer
    /// Why a report was ignored.
    var supersededBecause: String?
    /// The rollout, when the report settled or requeued it.
    var changed: Rollout?
}

/// Attempts: their start, the reports of their workers, and their end by liveness rules.
enum AttemptLedger {
    static let columns = "id, rollout, sequence, worker, status, claimed_at, started_at, ended_at, last_heartbeat, error"

    /// Starts the next attempt at a rollout that was just claimed.
    static func start(_ rollout: Rollout, worker: WorkerID, in db: Database, now: Date) throws -> Attempt {
        let attempt = Attempt(
            id: AttemptID("\(rollout.id.rawValue)/attempt-\(rollout.attempts)"), rollout: rollout.id,
            sequence: rollout.attempts, worker: worker, status: .preparing, claimedAt: now, startedAt: nil, endedAt: nil,
            lastHeartbeat: now, error: nil)
        let window = rollout.config.livenessWindow.seconds
        try db.cachedStatement(sql: """
            INSERT INTO attempts (id, rollout, sequence, worker, status, claimed_at, last_heartbeat, liveness_window,
                                  heartbeat_deadline, deadline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
            attempt.id.rawValue, rollout.id.rawValue, attempt.sequence, worker.rawValue, attempt.status.rawValue,
            now.storeTime, now.storeTime, window, now.storeTime + window, now.storeTime + rollout.config.timeout.seconds,
        ])
        return attempt
    }

    /// Applies a worker's report. Reports about an attempt that ended, or that is not its
    /// rollout's latest, change nothing and are answered `superseded`.
    static func apply(_ report: AttemptReport, to id: AttemptID, in db: Database, now: Date) throws -> ReportResult {
        guard var attempt = try attempt(id, in: db) else {
            throw StoreError(.notFound, "no attempt \(id)")
        }
        guard var rollout = try RolloutQueue.rollout(attempt.rollout, in: db) else {
            throw StoreError(.storage, "attempt \(id) names a missing rollout \(attempt.rollout)")
        }
        if attempt.status.isFinal {
            return ReportResult(answer: .superseded, supersededBecause: "attempt \(id) already ended as \(attempt.status.rawValue)")
        }
        if attempt.sequence != rollout.attempts {
            return ReportResult(answer: .superseded, supersededBecause: "attempt \(id) is not the latest of rollout \(rollout.id)")
        }
        let cancelled = rollout.status == .cancelled
        switch report {
        case .heartbeat:
            try touch(id, in: db, now: now)
        case .running:
            try touch(id, in: db, now: now)
            if attempt.status == .preparing, !cancelled {
                attempt.status = try attempt.status.transition(to: .running)
                try db.cachedStatement(sql: "UPDATE attempts SET status = 'running', started_at = ? WHERE id = ?")
                    .execute(arguments: [now.storeTime, id.rawValue])
                try RolloutQueue.setStatus(.running, of: &rollout, in: db, now: now)
            }
        case .ended(let outcome):
            switch outcome {
            case .succeeded:
                return try end(&attempt, as: .succeeded, error: nil, rollout: &rollout, in: db, now: now)
            case .failed(let error):
                return try end(&attempt, as: .failed, error: error, rollout: &rollout, in: db, now: now)
            }
        }
        return ReportResult(answer: cancelled ? .cancelled : .accepted)
    }

    /// Counts a sign of life from the attempt's worker.
    static func touch(_ id: AttemptID, in db: Database, now: Date) throws {
        try db.cachedStatement(sql: """
            UPDATE attempts SET last_heartbeat = ?, heartbeat_deadline = ? + liveness_window WHERE id = ?
            """).execute(arguments: [now.storeTime, now.storeTime, id.rawValue])
    }

    /// Ends an attempt and settles or requeues its rollout, unless the rollout was cancelled.
    private static func end(
        _ attempt: inout Attempt, as status: AttemptStatus, error: String?, rollout: inout Rollout, in db: Database, now: Date
    ) throws -> ReportResult {
        attempt.status = try attempt.status.transition(to: status)
        try db.cachedStatement(sql: "UPDATE attempts SET status = ?, ended_at = ?, error = ? WHERE id = ?")
            .execute(arguments: [status.rawValue, now.storeTime, error, attempt.id.rawValue])
        guard rollout.status != .cancelled else { return ReportResult(answer: .cancelled) }
        let next = RolloutStatus.derived(fromLatestAttempt: status, attemptsMade: attempt.sequence, policy: rollout.config.retry)
        try RolloutQueue.setStatus(next, of: &rollout, in: db, now: now)
        return ReportResult(answer: .accepted, changed: rollout)
    }

    /// Ends the attempts that outlived their timeout or went silent past their liveness window;
    /// answers the rollouts that changed.
    static func expire(in db: Database, now: Date) throws -> [Rollout] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, deadline FROM attempts INDEXED BY attempts_active
            WHERE status IN ('preparing', 'running') AND (heartbeat_deadline < ? OR deadline < ?)
            """), arguments: [now.storeTime, now.storeTime])
        return try rows.compactMap { row in
            let timedOut = (row["deadline"] as Double) < now.storeTime
            return try abandon(AttemptID(row["id"]), as: timedOut ? .timedOut : .unresponsive, in: db, now: now)
        }
    }

    /// Makes every attempt held by a worker on `node` unresponsive at once; answers the
    /// rollouts that changed.
    static func abandonAttempts(onNode node: String, in db: Database, now: Date) throws -> [Rollout] {
        let ids = try String.fetchAll(db, sql: """
            SELECT attempts.id FROM attempts JOIN workers ON attempts.worker = workers.id
            WHERE workers.node = ? AND attempts.status IN ('preparing', 'running')
            """, arguments: [node])
        return try ids.compactMap { try abandon(AttemptID($0), as: .unresponsive, in: db, now: now) }
    }

    /// Makes every attempt held by `worker` unresponsive; answers the rollouts that changed.
    static func abandonAttempts(of worker: WorkerID, in db: Database, now: Date) throws -> [Rollout] {
        let ids = try String.fetchAll(db, sql: """
            SELECT id FROM attempts INDEXED BY attempts_active WHERE worker = ? AND status IN ('preparing', 'running')
            """, arguments: [worker.rawValue])
        return try ids.compactMap { try abandon(AttemptID($0), as: .unresponsive, in: db, now: now) }
    }

    private static func abandon(_ id: AttemptID, as status: AttemptStatus, in db: Database, now: Date) throws -> Rollout? {
        guard var attempt = try attempt(id, in: db), var rollout = try RolloutQueue.rollout(attempt.rollout, in: db) else {
            return nil
        }
        let error = status == .timedOut ? "the rollout's timeout passed" : "the worker was not heard from"
        return try end(&attempt, as: status, error: error, rollout: &rollout, in: db, now: now).changed
    }

    /// After a restart, gives the attempts of the store's previous life a full liveness window
    /// from now: their workers could not reach the store while it was down.
    static func extendLiveness(in db: Database, now: Date) throws {
        try db.execute(sql: """
            UPDATE attempts SET heartbeat_deadline = MAX(heartbeat_deadline, ? + liveness_window)
            WHERE status IN ('preparing', 'running')
            """, arguments: [now.storeTime])
    }

    static func attempt(_ id: AttemptID, in db: Database) throws -> Attempt? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM attempts WHERE id = ?"), arguments: [id.rawValue])
            .map(decode)
    }

    static func attempts(of rollout: RolloutID, in db: Database) throws -> [Attempt] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(columns) FROM attempts WHERE rollout = ? ORDER BY sequence"),
            arguments: [rollout.rawValue]
        ).map(decode)
    }

    static func activeAttempts(of worker: WorkerID, in db: Database) throws -> [AttemptID] {
        try String.fetchAll(db, sql: """
            SELECT id FROM attempts INDEXED BY attempts_active WHERE worker = ? AND status IN ('preparing', 'running')
            """, arguments: [worker.rawValue]).map { AttemptID($0) }
    }

    static func decode(_ row: Row) throws -> Attempt {
        guard let status = AttemptStatus(rawValue: row["status"]) else {
            throw StoreError(.storage, "attempt \(row["id"] as String? ?? "?") has an unknown status")
        }
        return Attempt(
            id: AttemptID(row["id"]), rollout: RolloutID(row["rollout"]), sequence: row["sequence"],
            worker: WorkerID(row["worker"]), status: status, claimedAt: row.date("claimed_at"),
            startedAt: row.optionalDate("started_at"),
            endedAt: row.optionalDate("ended_at"),
            lastHeartbeat: row.date("last_heartbeat"), error: row["error"])
    }
}
