import Foundation
import GRDB
import GRDBSQLite

/// One episode's database: an in-memory SQLite database holding a generated table `p`, on which the
/// model's SQL runs for real.
///
/// Model-written SQL is untrusted, so the connection is fenced: the data is read-only (`query_only`,
/// which the model may lift, harming only its own episode's copy), no database can be attached (which
/// would create files, as `ATTACH` and `VACUUM INTO` do), a statement is interrupted after
/// ``instructionLimit`` virtual-machine steps (a recursive query cannot hang the runner), strings and
/// blobs are capped at ``lengthLimit`` bytes, and transactions the model leaves open are allowed (each
/// episode has its own connection, closed at the end).
struct SQLSandbox: Sendable {
    /// The most SQLite virtual-machine steps one statement may take.
    static let instructionLimit: Int32 = 2_000_000
    /// The longest string or blob a statement may build, in bytes.
    static let lengthLimit: Int32 = 100_000
    /// The most rows read from a result: enough to show what fits an observation.
    static let rowLimit = 8
    /// The longest result or error text an observation holds, in bytes, so an episode fits `tiny`.
    static let textLimit = 40

    private let queue: DatabaseQueue

    /// A fresh database holding `people`.
    init(people: [Person]) throws {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        configuration.label = "fulmen.sql-task"
        queue = try DatabaseQueue(configuration: configuration)
        try queue.inDatabase { db in
            try db.execute(sql: People.schema)
            for person in people {
                try db.execute(
                    sql: "INSERT INTO p (n, c, a) VALUES (?, ?, ?)", arguments: [person.name, person.city, person.age])
            }
            try db.execute(sql: "PRAGMA query_only = 1")
            let connection = db.sqliteConnection
            sqlite3_limit(connection, SQLITE_LIMIT_ATTACHED, 0)
            sqlite3_limit(connection, SQLITE_LIMIT_LENGTH, Self.lengthLimit)
            sqlite3_progress_handler(connection, Self.instructionLimit, { _ in 1 }, nil)
        }
    }

    /// Runs `sql` and describes what it gave: `R:{rows}\n` (columns joined by `|`, rows by `;`, at most
    /// ``rowLimit`` rows, an empty result as `R:\n`), or `E:{SQLite's error message}\n`, each shortened to
    /// ``textLimit`` bytes.
    func observation(running sql: String) async -> String {
        do {
            let rows = try await queue.writeWithoutTransaction { db in
                var rows: [String] = []
                let statements = try db.allStatements(sql: sql)
                while let statement = try statements.next() {
                    let cursor = try Row.fetchCursor(statement)
                    while rows.count < Self.rowLimit, let row = try cursor.next() {
                        rows.append(row.databaseValues.map(Self.text).joined(separator: "|"))
                    }
                }
                return rows
            }
            return "R:" + Self.line(rows.joined(separator: ";")) + "\n"
        } catch let error as DatabaseError {
            return "E:" + Self.line(error.message ?? "\(error.resultCode)") + "\n"
        } catch {
            return "E:" + Self.line("\(error)") + "\n"
        }
    }

    /// A value as a result shows it.
    private static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let string): string
        case .blob(let data): "<\(data.count) bytes>"
        }
    }

    /// `text` on one line, shortened to at most ``textLimit`` bytes (one token each), ending in `..` when cut.
    private static func line(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        guard flat.utf8.count > textLimit else { return flat }
        var kept = ""
        for character in flat {
            guard kept.utf8.count + character.utf8.count <= textLimit - 2 else { break }
            kept.append(character)
        }
        return kept + ".."
    }
}
