import GRDB
import FulmenCore

extension StoreStatistics {
    /// The counts kept in the database; the rates are the actor's to fill in.
    static func read(in db: Database) throws -> StoreStatistics {
        var rollouts: [RolloutStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM rollouts GROUP BY status") {
            if let status = RolloutStatus(rawValue: row["status"]) { rollouts[status] = row["n"] }
        }
        var experiments: [ExperimentStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM experiments GROUP BY status") {
            if let status = ExperimentStatus(rawValue: row["status"]) { experiments[status] = row["n"] }
        }
        let activeAttempts = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM attempts INDEXED BY attempts_active WHERE status IN ('preparing', 'running')
            """) ?? 0
        let activeWorkers = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM workers WHERE status = 'active'") ?? 0
        return StoreStatistics(
            rollouts: rollouts, queueDepth: (rollouts[.queuing] ?? 0) + (rollouts[.requeuing] ?? 0),
            activeAttempts: activeAttempts, activeWorkers: activeWorkers, experiments: experiments,
            spans: try SpanLog.count(in: db), enqueuedPerSecond: 0, settledPerSecond: 0)
    }
}
