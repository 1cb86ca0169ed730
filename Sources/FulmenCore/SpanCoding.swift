import Foundation

// Spans are the store's most numerous records, so they travel and are stored in a compact binary
// form written here by hand: one byte buffer per span instead of a keyed container per field and
// attribute. `Span`'s `Codable` conformance is that buffer, whatever the coder.

extension Span {
    public init(from decoder: any Decoder) throws {
        let bytes = try decoder.singleValueContainer().decode([UInt8].self)
        do {
            self = try Span(compact: bytes)
        } catch let error as SpanCodingError {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(compactBytes())
    }

    /// The span in its compact binary form.
    public func compactBytes() -> [UInt8] {
        var writer = CompactWriter()
        writer.bytes.reserveCapacity(64 + name.utf8.count + attributes.count * 24)
        writer.byte(Self.formatVersion)
        writer.string(id)
        writer.optionalString(parent)
        writer.string(name)
        writer.double(start.timeIntervalSinceReferenceDate)
        writer.double(end.timeIntervalSinceReferenceDate)
        writer.optionalString(error)
        writer.attributes(attributes)
        writer.count(events.count)
        for event in events {
            writer.string(event.name)
            writer.double(event.time.timeIntervalSinceReferenceDate)
            writer.attributes(event.attributes)
        }
        return writer.bytes
    }

    /// Reads a span from its compact binary form.
    public init(compact bytes: [UInt8]) throws {
        var reader = CompactReader(bytes: bytes)
        guard try reader.byte() == Self.formatVersion else { throw SpanCodingError(reason: "unknown span format version") }
        id = try reader.string()
        parent = try reader.optionalString()
        name = try reader.string()
        start = Date(timeIntervalSinceReferenceDate: try reader.double())
        end = Date(timeIntervalSinceReferenceDate: try reader.double())
        error = try reader.optionalString()
        attributes = try reader.attributes()
        events = try (0..<reader.count()).map { _ in
            SpanEvent(
                name: try reader.string(), time: Date(timeIntervalSinceReferenceDate: try reader.double()),
                attributes: try reader.attributes())
        }
        guard reader.isAtEnd else { throw SpanCodingError(reason: "trailing bytes after a span") }
    }

    private static let formatVersion: UInt8 = 1
}

/// A span buffer that is not a well-formed span.
struct SpanCodingError: Error {
    let reason: String
}

private enum ValueTag: UInt8 {
    case string, int, double, bool, ints, floats, strings
}

private struct CompactWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func count(_ value: Int) { varint(UInt64(value)) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func int(_ value: Int) {
        varint(UInt64(bitPattern: Int64((value << 1) ^ (value >> (Int.bitWidth - 1)))))
    }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalString(_ value: String?) {
        guard let value else { return byte(0) }
        byte(1)
        string(value)
    }

    mutating func attributes(_ attributes: [String: SpanValue]) {
        count(attributes.count)
        for (key, value) in attributes {
            string(key)
            switch value {
            case .string(let text):
                byte(ValueTag.string.rawValue)
                string(text)
            case .int(let number):
                byte(ValueTag.int.rawValue)
                int(number)
            case .double(let number):
                byte(ValueTag.double.rawValue)
                double(number)
            case .bool(let flag):
                byte(ValueTag.bool.rawValue)
                byte(flag ? 1 : 0)
            case .ints(let numbers):
                byte(ValueTag.ints.rawValue)
                count(numbers.count)
                for number in numbers { int(number) }
            case .floats(let numbers):
                byte(ValueTag.floats.rawValue)
                count(numbers.count)
                for number in numbers {
                    withUnsafeBytes(of: number.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                }
            case .strings(let texts):
                byte(ValueTag.strings.rawValue)
                count(texts.count)
                for text in texts { string(text) }
            }
        }
    }
}

private struct CompactReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw SpanCodingError(reason: "span buffer ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw SpanCodingError(reason: "varint too long") }
            value |= UInt64(next & 0x7f) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    /// A count of items that are each at least one byte long, checked against what is left.
    mutating func count() throws -> Int {
        let value = try varint()
        guard value <= UInt64(bytes.count - offset) else { throw SpanCodingError(reason: "count runs past the end") }
        return Int(value)
    }

    mutating func int() throws -> Int {
        let raw = try varint()
        return Int(truncatingIfNeeded: Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
    }

    mutating func fixed(_ width: Int) throws -> ArraySlice<UInt8> {
        guard width <= bytes.count - offset else { throw SpanCodingError(reason: "span buffer ends early") }
        defer { offset += width }
        return bytes[offset..<(offset + width)]
    }

    mutating func double() throws -> Double {
        Double(bitPattern: UInt64(littleEndian: try load(UInt64.self)))
    }

    mutating func float() throws -> Float {
        Float(bitPattern: UInt32(littleEndian: try load(UInt32.self)))
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let width = MemoryLayout<T>.size
        guard width <= bytes.count - offset else { throw SpanCodingError(reason: "span buffer ends early") }
        defer { offset += width }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    mutating func string() throws -> String {
        let length = try count()
        let slice = try fixed(length)
        guard let text = String(validating: slice, as: UTF8.self) else { throw SpanCodingError(reason: "string is not UTF-8") }
        return text
    }

    mutating func optionalString() throws -> String? {
        switch try byte() {
        case 0: return nil
        case 1: return try string()
        default: throw SpanCodingError(reason: "bad optional marker")
        }
    }

    /// A count followed by that many elements.
    private mutating func array<Element>(of element: (inout CompactReader) throws -> Element) throws -> [Element] {
        let count = try count()
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    mutating func attributes() throws -> [String: SpanValue] {
        let count = try count()
        var attributes: [String: SpanValue] = [:]
        attributes.reserveCapacity(count)
        for _ in 0..<count {
            let key = try string()
            guard let tag = ValueTag(rawValue: try byte()) else { throw SpanCodingError(reason: "unknown attribute type") }
            switch tag {
            case .string: attributes[key] = .string(try string())
            case .int: attributes[key] = .int(try int())
            case .double: attributes[key] = .double(try double())
            case .bool: attributes[key] = .bool(try byte() != 0)
            case .ints: attributes[key] = .ints(try array(of: { try $0.int() }))
            case .floats: attributes[key] = .floats(try array(of: { try $0.float() }))
            case .strings: attributes[key] = .strings(try array(of: { try $0.string() }))
            }
        }
        return attributes
    }
}
