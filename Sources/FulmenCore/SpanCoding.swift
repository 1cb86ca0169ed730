import BinaryCoding
import Foundation

// Spans are the store's most numerous records, so they travel and are stored in a compact binary
// form written here by hand: one byte buffer per span instead of a keyed container per field and
// attribute. `Span`'s `Codable` conformance is that buffer, whatever the coder. Its varints, zigzag
// integers, strings and fixed-width numbers are the shared binary coding's (`ByteWriter`,
// `ByteReader`); the layout around them is the span's own.

extension Span {
    public init(from decoder: any Decoder) throws {
        let bytes = try decoder.singleValueContainer().decode([UInt8].self)
        do {
            self = try Span(compact: bytes)
        } catch let error as BinaryFormatError {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "span: \(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(compactBytes())
    }

    /// The span in its compact binary form.
    public func compactBytes() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + name.utf8.count + attributes.count * 24)
        writer.write(Self.formatVersion)
        writer.write(string: id)
        writer.write(optional: parent)
        writer.write(string: name)
        writer.write(time: start)
        writer.write(time: end)
        writer.write(optional: error)
        writer.write(attributes: attributes)
        writer.write(varint: UInt64(events.count))
        for event in events {
            writer.write(string: event.name)
            writer.write(time: event.time)
            writer.write(attributes: event.attributes)
        }
        return writer.bytes
    }

    /// Reads a span from its compact binary form; throws `BinaryFormatError` if it is not one.
    public init(compact bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { buffer -> Span in
            var reader = ByteReader(buffer)
            guard try reader.readByte("span format version") == Self.formatVersion else {
                throw BinaryFormatError.malformed("unknown span format version")
            }
            let id = try reader.readString("span id")
            let parent = try reader.readOptionalString("span parent")
            let name = try reader.readString("span name")
            let start = try reader.readTime("span start")
            let end = try reader.readTime("span end")
            let error = try reader.readOptionalString("span error")
            let attributes = try reader.readAttributes()
            var events: [SpanEvent] = []
            for _ in 0..<(try reader.readCount("span event count")) {
                events.append(SpanEvent(
                    name: try reader.readString("event name"), time: try reader.readTime("event time"),
                    attributes: try reader.readAttributes()))
            }
            guard reader.isAtEnd else { throw BinaryFormatError.malformed("\(reader.remaining) bytes after a span") }
            return Span(id: id, parent: parent, name: name, start: start, end: end, attributes: attributes, events: events, error: error)
        }
    }

    private static let formatVersion: UInt8 = 1
}

/// The type byte before each attribute's value.
private enum ValueTag: UInt8 {
    case string, int, double, bool, ints, floats, strings
}

extension ByteWriter {
    /// A marker byte (0 absent, 1 present), then the string if present.
    fileprivate mutating func write(optional value: String?) {
        guard let value else { return write(0) }
        write(1)
        write(string: value)
    }

    /// Seconds since 2001 as a little-endian `Double`.
    fileprivate mutating func write(time: Date) {
        write(fixed: time.timeIntervalSinceReferenceDate.bitPattern)
    }

    fileprivate mutating func write(attributes: [String: SpanValue]) {
        write(varint: UInt64(attributes.count))
        for (key, value) in attributes {
            write(string: key)
            switch value {
            case .string(let text):
                write(ValueTag.string.rawValue)
                write(string: text)
            case .int(let number):
                write(ValueTag.int.rawValue)
                write(zigzag: Int64(number))
            case .double(let number):
                write(ValueTag.double.rawValue)
                write(fixed: number.bitPattern)
            case .bool(let flag):
                write(ValueTag.bool.rawValue)
                write(flag ? 1 : 0)
            case .ints(let numbers):
                write(ValueTag.ints.rawValue)
                write(varint: UInt64(numbers.count))
                for number in numbers { write(zigzag: Int64(number)) }
            case .floats(let numbers):
                write(ValueTag.floats.rawValue)
                write(varint: UInt64(numbers.count))
                for number in numbers { write(fixed: number.bitPattern) }
            case .strings(let texts):
                write(ValueTag.strings.rawValue)
                write(varint: UInt64(texts.count))
                for text in texts { write(string: text) }
            }
        }
    }
}

extension ByteReader {
    fileprivate mutating func readOptionalString(_ what: @autoclosure () -> String) throws(BinaryFormatError) -> String? {
        switch try readByte(what()) {
        case 0: return nil
        case 1: return try readString(what())
        case let marker: throw BinaryFormatError.malformed("\(what()): bad optional marker \(marker)")
        }
    }

    fileprivate mutating func readTime(_ what: @autoclosure () -> String) throws(BinaryFormatError) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(bitPattern: try readFixed(UInt64.self, what())))
    }

    fileprivate mutating func readInt(_ what: @autoclosure () -> String) throws(BinaryFormatError) -> Int {
        Int(truncatingIfNeeded: try readZigzag(what()))
    }

    /// A count of elements (each at least `unit` bytes), then the elements.
    private mutating func readArray<Element>(
        _ what: String, unit: Int, _ element: (inout ByteReader) throws(BinaryFormatError) -> Element
    ) throws(BinaryFormatError) -> [Element] {
        let count = try readCount(what, unit: unit)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    fileprivate mutating func readAttributes() throws(BinaryFormatError) -> [String: SpanValue] {
        let count = try readCount("attribute count")
        var attributes: [String: SpanValue] = [:]
        attributes.reserveCapacity(count)
        for _ in 0..<count {
            let key = try readString("attribute name")
            let raw = try readByte("attribute type")
            guard let tag = ValueTag(rawValue: raw) else { throw BinaryFormatError.malformed("unknown type \(raw) of attribute '\(key)'") }
            switch tag {
            case .string: attributes[key] = .string(try readString(key))
            case .int: attributes[key] = .int(try readInt(key))
            case .double: attributes[key] = .double(Double(bitPattern: try readFixed(UInt64.self, key)))
            case .bool: attributes[key] = .bool(try readByte(key) != 0)
            case .ints: attributes[key] = .ints(try readArray(key, unit: 1) { reader throws(BinaryFormatError) in try reader.readInt(key) })
            case .floats:
                attributes[key] = .floats(try readArray(key, unit: 4) { reader throws(BinaryFormatError) in
                    Float(bitPattern: try reader.readFixed(UInt32.self, key))
                })
            case .strings: attributes[key] = .strings(try readArray(key, unit: 1) { reader throws(BinaryFormatError) in try reader.readString(key) })
            }
        }
        return attributes
    }
}
