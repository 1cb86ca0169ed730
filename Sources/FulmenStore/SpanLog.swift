import Foundation
import GRDB
import FulmenCore

/// Spans, filed under their attempt in arrival order and kept on disk, not in memory.
enum SpanLog {
    /// The most spans one INSERT statement carries.
    private static let rowsPerInsert = 100

    /// A span ready to insert: its name (for queries by name) and its compact form.
    struct Entry: Sendable {
        let name: String
        let body: Data
    }

    /// Files a batch under an attempt that has not ended (a span of a cancelled rollout is kept
    /// and answered `cancelled`). Counts as a heartbeat.
    static func add(_ spans: [Entry], to id: AttemptID, in db: Database, now: Date) throws -> (SpanReceipt, ReportResult) {
        let report = try AttemptLedger.apply(.heartbeat, to: id, in: db, now: now)
        guard report.answer != .superseded else { return (SpanReceipt(answer: .superseded, firstSequence: nil), report) }
        guard !spans.isEmpty else { return (SpanReceipt(answer: report.answer, firstSequence: nil), report) }
        let recorded = try Int.fetchOne(db.cachedStatement(sql: "SELECT spans FROM attempts WHERE id = ?"), arguments: [id.rawValue]) ?? 0
        // Many rows per INSERT: SQLite and GRDB then do their per-statement work once per chunk.
        var number = recorded
        for chunk in stride(from: 0, to: spans.count, by: rowsPerInsert) {
            let rows = spans[chunk..<min(chunk + rowsPerInsert, spans.count)]
            var arguments: [(any DatabaseValueConvertible)?] = []
            arguments.reserveCapacity(rows.count * 4)
            for span in rows {
                number += 1
                arguments += [id.rawValue, number, span.name, span.body]
            }
            try db.cachedStatement(sql: "INSERT INTO spans (attempt, number, name, body) VALUES \(placeholders(rows.count, each: "(?, ?, ?, ?)"))")
                .execute(arguments: StatementArguments(arguments))
        }
        try db.cachedStatement(sql: "UPDATE attempts SET spans = ? WHERE id = ?").execute(arguments: [recorded + spans.count, id.rawValue])
        return (SpanReceipt(answer: report.answer, firstSequence: recorded + 1), report)
    }

    static func list(_ query: SpanQuery, in db: Database) throws -> Page<StoredSpan> {
        guard try RolloutQueue.rollout(query.rollout, in: db) != nil else {
            throw StoreError(.notFound, "no rollout \(query.rollout)")
        }
        let attempts = try AttemptLedger.attempts(of: query.rollout, in: db)
        let chosen: [Attempt]
        switch query.attempts {
        case .all: chosen = attempts
        case .latest: chosen = attempts.last.map { [$0] } ?? []
        case .only(let id):
            guard let attempt = attempts.first(where: { $0.id == id }) else {
                throw StoreError(.notFound, "rollout \(query.rollout) has no attempt \(id)")
            }
            chosen = [attempt]
        }
        guard !chosen.isEmpty else { return Page(items: [], next: nil) }
        var sql = "SELECT seq, attempt, number, body FROM spans WHERE attempt IN (\(placeholders(chosen.count))) AND seq > ?"
        var arguments: [(any DatabaseValueConvertible)?] = chosen.map(\.id.rawValue)
        arguments.append(query.page.after?.position ?? 0)
        if let name = query.name {
            sql += " AND name = ?"
            arguments.append(name)
        }
        sql += " ORDER BY seq LIMIT ?"
        arguments.append(query.page.limit + 1)
        let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        return try Page(rows: rows, limit: query.page.limit, cursor: "seq") { row in
            StoredSpan(
                rollout: query.rollout, attempt: AttemptID(row["attempt"]), sequence: row["number"],
                span: try Span(compact: [UInt8](row["body"] as Data)))
        }
    }

    static func count(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM spans") ?? 0
    }
}
