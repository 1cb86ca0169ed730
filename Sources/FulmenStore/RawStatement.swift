import Foundation
import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// A cached statement bound and stepped through SQLite's C interface, for the store's hottest
/// statements (claim and completion): no boxing of arguments as existentials, no `Row` copies.
///
/// Only statements whose SQL is used nowhere else go through here (GRDB keeps its own record of
/// the arguments it bound to a cached statement). The statement is reset when `body` returns, so
/// it never holds a read open past its use.
struct RawStatement: ~Copyable {
    private let statement: Statement
    private var handle: SQLiteStatement { statement.sqliteStatement }

    /// Runs `body` with the cached statement for `sql`, reset afterwards.
    static func with<T>(_ sql: String, in db: Database, _ body: (inout RawStatement) throws -> T) throws -> T {
        var raw = RawStatement(statement: try db.cachedStatement(sql: sql))
        defer { sqlite3_reset(raw.handle) }
        return try body(&raw)
    }

    private init(statement: Statement) {
        self.statement = statement
    }

    // MARK: Binding (1-based positions, as in SQLite)

    func bind(_ value: String, at index: Int32) throws {
        var value = value
        try check(value.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), transient) })
    }

    func bind(_ value: String?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    func bind(_ value: Int, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, Int64(value)))
    }

    func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    func bind(_ value: Double?, at index: Int32) throws {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    // MARK: Stepping

    /// Runs a statement that answers no rows.
    func run() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Moves to the next row: true on a row, false when done.
    func next() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw error(code)
        }
    }

    // MARK: Columns of the current row (0-based positions)

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int(_ column: Int32) -> Int {
        Int(sqlite3_column_int64(handle, column))
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func double(_ column: Int32) -> Double {
        sqlite3_column_double(handle, column)
    }

    func optionalDouble(_ column: Int32) -> Double? {
        isNull(column) ? nil : double(column)
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? {
        isNull(column) ? nil : string(column)
    }

    func data(_ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    func optionalData(_ column: Int32) -> Data? {
        isNull(column) ? nil : data(column)
    }

    // MARK: Errors

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        let connection = sqlite3_db_handle(handle)
        return DatabaseError(
            resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) },
            sql: statement.sql)
    }
}

/// SQLite copies the bytes it is given before the bind call returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
