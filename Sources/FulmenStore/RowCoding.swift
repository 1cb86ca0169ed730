import BinaryCoding
import Foundation
import FulmenCore
import GRDB

/// Structured columns (configs, metadata, span bodies) are kept in Fulmen's tagged binary coding
/// (`BinaryEncoder`, the format the actor system's messages carry too): compact, fast, and
/// tolerant of fields added later. Changing that format would make existing databases unreadable.
enum Blob {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try BinaryEncoder().encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try BinaryDecoder().decode(type, from: [UInt8](data))
    }
}

extension Date {
    /// Seconds since 1970, as the database keeps times.
    var storeTime: Double { timeIntervalSince1970 }

    init(storeTime: Double) {
        self.init(timeIntervalSince1970: storeTime)
    }

    /// Now, as precise as the database keeps it, so a record returned equals the record read back.
    static var storeNow: Date { Date(storeTime: Date().storeTime) }
}

extension Row {
    /// A time column.
    func date(_ column: String) -> Date {
        Date(storeTime: self[column] as Double)
    }

    /// A time column that may be NULL.
    func optionalDate(_ column: String) -> Date? {
        (self[column] as Double?).map { Date(storeTime: $0) }
    }
}

/// `count` copies of `each` separated by commas, for the lists of a statement: `?, ?, ?`.
func placeholders(_ count: Int, each: String = "?") -> String {
    Array(repeating: each, count: count).joined(separator: ", ")
}

extension Page {
    /// A page from rows fetched with a limit one above `limit`: the extra row, if it came, tells
    /// that there is more, and the cursor is the `column` of the last row kept.
    init(rows: [Row], limit: Int, cursor column: String, _ decode: (Row) throws -> Item) rethrows {
        self.init(
            items: try rows.prefix(limit).map(decode),
            next: rows.count > limit ? PageCursor(position: rows[limit - 1][column]) : nil)
    }
}
