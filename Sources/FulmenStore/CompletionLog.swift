import GRDB
import FulmenCore

/// The append-only log of settled rollouts that trainers read with a cursor.
enum CompletionLog {
    /// The rollout columns of a completion read, qualified by their table.
    private static let rolloutColumns = RolloutQueue.columns.split(separator: ", ").map { "rollouts.\($0)" }.joined(separator: ", ")

    static func append(_ rollout: RolloutID, experiment: ExperimentID?, in db: Database) throws {
        try RawStatement.with("INSERT INTO completions (rollout, experiment) VALUES (?, ?)", in: db) { statement in
            try statement.bind(rollout.rawValue, at: 1)
            try statement.bind(experiment?.rawValue, at: 2)
            try statement.run()
        }
    }

    static func read(after position: Int64, experiment: ExperimentID?, limit: Int, in db: Database) throws -> CompletionBatch {
        let rows: [Row]
        if let experiment {
            rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(rolloutColumns), completions.position FROM completions JOIN rollouts ON rollouts.id = completions.rollout
                WHERE completions.experiment = ? AND completions.position > ? ORDER BY completions.position LIMIT ?
                """), arguments: [experiment.rawValue, position, limit])
        } else {
            rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(rolloutColumns), completions.position FROM completions JOIN rollouts ON rollouts.id = completions.rollout
                WHERE completions.position > ? ORDER BY completions.position LIMIT ?
                """), arguments: [position, limit])
        }
        let completions = try rows.map { Completion(position: $0["position"], rollout: try RolloutQueue.decode($0)) }
        return CompletionBatch(completions: completions, cursor: completions.last?.position ?? position)
    }
}
