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
    var changed: RolloutChange?
}

/// What deciding on a report needs to know of an attempt and its rollout.
private struct AttemptState {
    var id: AttemptID
    var status: AttemptStatus
    var sequence: Int
    var rollout: RolloutID
    var rolloutStatus: RolloutStatus
    var attemptsMade: Int
    var retry: RetryPolicy
    var experiment: ExperimentID?
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
        let window = rollout.config.livenessWindow.inSeconds
        try RawStatement.with("""
            INSERT INTO attempts (id, rollout, sequence, worker, status, claimed_at, last_heartbeat, liveness_window,
                                  heartbeat_deadline, deadline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, in: db) { statement in
            try statement.bind(attempt.id.rawValue, at: 1)
            try statement.bind(rollout.id.rawValue, at: 2)
            try statement.bind(attempt.sequence, at: 3)
            try statement.bind(worker.rawValue, at: 4)
            try statement.bind(attempt.status.rawValue, at: 5)
            try statement.bind(now.storeTime, at: 6)
            try statement.bind(now.storeTime, at: 7)
            try statement.bind(window, at: 8)
            try statement.bind(now.storeTime + window, at: 9)
            try statement.bind(now.storeTime + rollout.config.timeout.inSeconds, at: 10)
            try statement.run()
        }
        return attempt
    }

    /// Applies a worker's report. Reports about an attempt that ended, or that is not its
    /// rollout's latest, change nothing and are answered `superseded`.
    static func apply(_ report: AttemptReport, to id: AttemptID, in db: Database, now: Date) throws -> ReportResult {
        guard var state = try state(of: id, in: db) else {
            throw StoreError(.notFound, "no attempt \(id)")
        }
        if state.status.isFinal {
            return ReportResult(answer: .superseded, supersededBecause: "attempt \(id) already ended as \(state.status.rawValue)")
        }
        if state.sequence != state.attemptsMade {
            return ReportResult(answer: .superseded, supersededBecause: "attempt \(id) is not the latest of rollout \(state.rollout)")
        }
        let cancelled = state.rolloutStatus == .cancelled
        switch report {
        case .heartbeat:
            try touch(id, in: db, now: now)
        case .running:
            try touch(id, in: db, now: now)
            if state.status == .preparing, !cancelled {
                state.status = try state.status.transition(to: .running)
                try db.cachedStatement(sql: "UPDATE attempts SET status = 'running', started_at = ? WHERE id = ?")
                    .execute(arguments: [now.storeTime, id.rawValue])
                try RolloutQueue.setStatus(
                    .running, of: state.rollout, from: state.rolloutStatus, experiment: state.experiment, in: db, now: now)
            }
        case .ended(.succeeded):
            return try end(state, as: .succeeded, error: nil, in: db, now: now)
        case .ended(.failed(let error)):
            return try end(state, as: .failed, error: error, in: db, now: now)
        }
        return ReportResult(answer: cancelled ? .cancelled : .accepted)
    }

    /// Counts a sign of life from the attempt's worker.
    static func touch(_ id: AttemptID, in db: Database, now: Date) throws {
        try RawStatement.with("""
            UPDATE attempts SET last_heartbeat = ?1, heartbeat_deadline = ?1 + liveness_window WHERE id = ?2
            """, in: db) { statement in
            try statement.bind(now.storeTime, at: 1)
            try statement.bind(id.rawValue, at: 2)
            try statement.run()
        }
    }

    /// Ends an attempt and settles or requeues its rollout, unless the rollout was cancelled.
    private static func end(_ state: AttemptState, as status: AttemptStatus, error: String?, in db: Database, now: Date) throws -> ReportResult {
        _ = try state.status.transition(to: status)
        try RawStatement.with("UPDATE attempts SET status = ?, ended_at = ?, error = ? WHERE id = ?", in: db) { statement in
            try statement.bind(status.rawValue, at: 1)
            try statement.bind(now.storeTime, at: 2)
            try statement.bind(error, at: 3)
            try statement.bind(state.id.rawValue, at: 4)
            try statement.run()
        }
        guard state.rolloutStatus != .cancelled else { return ReportResult(answer: .cancelled) }
        let next = RolloutStatus.derived(fromLatestAttempt: status, attemptsMade: state.sequence, policy: state.retry)
        try RolloutQueue.setStatus(next, of: state.rollout, from: state.rolloutStatus, experiment: state.experiment, in: db, now: now)
        return ReportResult(answer: .accepted, changed: RolloutChange(id: state.rollout, status: next))
    }

    /// Ends the attempts that outlived their timeout or went silent past their liveness window;
    /// answers the rollouts that changed.
    static func expire(in db: Database, now: Date) throws -> [RolloutChange] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, deadline FROM attempts INDEXED BY attempts_active
            WHERE status IN ('preparing', 'running') AND (heartbeat_deadline < ? OR deadline < ?)
            """), arguments: [now.storeTime, now.storeTime])
        return try rows.compactMap { row in
            let timedOut = (row[1] as Double) < now.storeTime
            return try abandon(AttemptID(row[0]), as: timedOut ? .timedOut : .unresponsive, in: db, now: now)
        }
    }

    /// Makes every attempt held by a worker on `node` unresponsive at once; answers the
    /// rollouts that changed.
    static func abandonAttempts(onNode node: String, in db: Database, now: Date) throws -> [RolloutChange] {
        let ids = try String.fetchAll(db, sql: """
            SELECT attempts.id FROM attempts JOIN workers ON attempts.worker = workers.id
            WHERE workers.node = ? AND attempts.status IN ('preparing', 'running')
            """, arguments: [node])
        return try ids.compactMap { try abandon(AttemptID($0), as: .unresponsive, in: db, now: now) }
    }

    /// Makes every attempt held by `worker` unresponsive; answers the rollouts that changed.
    static func abandonAttempts(of worker: WorkerID, in db: Database, now: Date) throws -> [RolloutChange] {
        try activeAttempts(of: worker, in: db).compactMap { try abandon($0, as: .unresponsive, in: db, now: now) }
    }

    private static func abandon(_ id: AttemptID, as status: AttemptStatus, in db: Database, now: Date) throws -> RolloutChange? {
        guard let state = try state(of: id, in: db) else { return nil }
        let error = status == .timedOut ? "the rollout's timeout passed" : "the worker was not heard from"
        return try end(state, as: status, error: error, in: db, now: now).changed
    }

    /// After a restart, gives the attempts of the store's previous life a full liveness window
    /// from now: their workers could not reach the store while it was down.
    static func extendLiveness(in db: Database, now: Date) throws {
        try db.execute(sql: """
            UPDATE attempts SET heartbeat_deadline = MAX(heartbeat_deadline, ? + liveness_window)
            WHERE status IN ('preparing', 'running')
            """, arguments: [now.storeTime])
    }

    private static func state(of id: AttemptID, in db: Database) throws -> AttemptState? {
        try RawStatement.with("""
            SELECT a.status, a.sequence, a.rollout, r.status, r.attempts, r.max_attempts, r.retry_on, r.experiment
            FROM attempts a JOIN rollouts r ON r.id = a.rollout WHERE a.id = ?
            """, in: db) { row in
            try row.bind(id.rawValue, at: 1)
            guard try row.next() else { return nil }
            guard let status = AttemptStatus(rawValue: row.string(0)), let rolloutStatus = RolloutStatus(rawValue: row.string(3)) else {
                throw StoreError(.storage, "attempt \(id) or its rollout has an unknown status")
            }
            return AttemptState(
                id: id, status: status, sequence: row.int(1), rollout: RolloutID(row.string(2)), rolloutStatus: rolloutStatus,
                attemptsMade: row.int(4), retry: RetryPolicy(maxAttempts: row.int(5), retryOn: RetryMask.decode(row.int(6))),
                experiment: row.optionalString(7).map { ExperimentID($0) })
        }
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

    /// An attempt from a row holding `columns`, by position.
    static func decode(_ row: Row) throws -> Attempt {
        guard let status = AttemptStatus(rawValue: row[4]) else {
            throw StoreError(.storage, "attempt \(row[0] as String? ?? "?") has an unknown status")
        }
        return Attempt(
            id: AttemptID(row[0]), rollout: RolloutID(row[1]), sequence: row[2], worker: WorkerID(row[3]), status: status,
            claimedAt: Date(storeTime: row[5]), startedAt: (row[6] as Double?).map { Date(storeTime: $0) },
            endedAt: (row[7] as Double?).map { Date(storeTime: $0) }, lastHeartbeat: Date(storeTime: row[8]), error: row[9])
    }
}
