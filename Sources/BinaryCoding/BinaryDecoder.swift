import FoundationEssentials
import Glibc

/// Decodes values written by `BinaryEncoder` (or by a `BinaryEncodingContext`).
///
/// Input is untrusted (it comes off the network, or from a database file): every length and count
/// is checked against the bytes actually present before anything is allocated, and nesting depth is
/// limited, so malformed input produces a `BinaryFormatError`, never a crash.
public struct BinaryDecoder {
    /// Contextual information for `init(from:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    /// Decodes a value of `type` from a buffer made by `BinaryEncoder.encode(_:)`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { buffer in
            let context = BinaryDecodingContext(buffer: buffer, userInfo: userInfo)
            var offset = 0
            let value = try context.decodeValue(T.self, at: &offset)
            guard offset == buffer.count else {
                throw BinaryFormatError.malformed("\(buffer.count - offset) bytes left after the value")
            }
            return value
        }
    }
}

/// Decodes values that lie one after another in a buffer, for callers that frame them themselves
/// (the actor system reads a call's arguments after its envelope), with their out-of-band arrays.
///
/// Valid only while the buffer it points into is alive: decoding never outlives the call that
/// created the context.
public final class BinaryDecodingContext {
    static let maximumDepth = 96

    let buffer: UnsafeRawBufferPointer
    /// What `blob` values refer to; nil when the buffer stands alone.
    let outOfBand: (any OutOfBandSource)?
    private let baseUserInfo: [CodingUserInfoKey: any Sendable]
    private let extraUserInfo: (key: CodingUserInfoKey, value: any Sendable)?
    /// The keys and indexes leading to the value being decoded, for error messages.
    var path: [String] = []

    /// A context for `buffer`. `userInfo` is what `init(from:)` implementations see, plus `extra`:
    /// one entry that costs nothing unless a decoder asks for its user info, which most never do
    /// (the actor system passes itself so that actor references resolve, once per call).
    public init(
        buffer: UnsafeRawBufferPointer, outOfBand: (any OutOfBandSource)? = nil,
        userInfo: [CodingUserInfoKey: any Sendable] = [:], extra: (key: CodingUserInfoKey, value: any Sendable)? = nil
    ) {
        self.buffer = buffer
        self.outOfBand = outOfBand
        baseUserInfo = userInfo
        extraUserInfo = extra
    }

    /// Built only when an `init(from:)` asks for it.
    var userInfo: [CodingUserInfoKey: Any] {
        var userInfo: [CodingUserInfoKey: Any] = baseUserInfo
        if let extraUserInfo { userInfo[extraUserInfo.key] = extraUserInfo.value }
        return userInfo
    }

    var pathDescription: String { path.joined(separator: ".") }

    func reader(at offset: Int) -> ByteReader { ByteReader(buffer, offset: offset) }

    func tag(at offset: Int) throws(BinaryFormatError) -> BinaryTag {
        guard offset < buffer.count else {
            throw BinaryFormatError.truncated("value at \(pathDescription.isEmpty ? "top level" : pathDescription)", needed: 1, remaining: 0)
        }
        let raw = buffer[offset]
        guard let tag = BinaryTag(rawValue: raw) else {
            throw BinaryFormatError.malformed("unknown value tag \(raw) at \(pathDescription.isEmpty ? "top level" : pathDescription)")
        }
        return tag
    }

    func mismatch(_ expected: String, _ found: BinaryTag) -> BinaryFormatError {
        .typeMismatch(expected: expected, found: found.name, at: pathDescription)
    }

    /// The offset just past the value starting at `offset`, without decoding it.
    public func end(ofValueAt offset: Int) throws(BinaryFormatError) -> Int {
        var reader = reader(at: offset)
        let tag = try self.tag(at: offset)
        reader.offset += 1
        switch tag {
        case .null, .false, .true: break
        case .int, .uint: _ = try reader.readVarint("integer")
        case .float32: try reader.skip(4, "Float")
        case .float64: try reader.skip(8, "Double")
        case .string: try reader.skip(try reader.readCount("string length"), "string")
        case .keyed, .unkeyed:
            let length = Int(try reader.readFixed(UInt32.self, "container length"))
            try reader.skip(length, "container body")
        case .array:
            let kind = try elementKind(&reader)
            let count = try reader.readCount("array count", unit: kind.size)
            try reader.skip(count * kind.size, "array elements")
        case .blob:
            _ = try elementKind(&reader)
            _ = try reader.readVarint("blob count")
            _ = try reader.readVarint("blob index")
        }
        return reader.offset
    }

    private func elementKind(_ reader: inout ByteReader) throws(BinaryFormatError) -> BinaryElementKind {
        let raw = try reader.readByte("array element kind")
        guard let kind = BinaryElementKind(rawValue: raw) else {
            throw BinaryFormatError.malformed("unknown array element kind \(raw) at \(pathDescription)")
        }
        return kind
    }

    // MARK: Primitive values

    func decodeBool(at offset: inout Int) throws -> Bool {
        switch try tag(at: offset) {
        case .true: offset += 1; return true
        case .false: offset += 1; return false
        case let other: throw mismatch("Bool", other)
        }
    }

    func decodeSigned(at offset: inout Int) throws -> Int64 {
        let tag = try self.tag(at: offset)
        var reader = reader(at: offset + 1)
        let value: Int64
        switch tag {
        case .int:
            value = try reader.readZigzag("integer")
        case .uint:
            let raw = try reader.readVarint("integer")
            guard raw <= UInt64(Int64.max) else { throw BinaryFormatError.malformed("integer \(raw) too large at \(pathDescription)") }
            value = Int64(raw)
        default: throw mismatch("integer", tag)
        }
        offset = reader.offset
        return value
    }

    func decodeUnsigned(at offset: inout Int) throws -> UInt64 {
        let tag = try self.tag(at: offset)
        var reader = reader(at: offset + 1)
        let value: UInt64
        switch tag {
        case .uint: value = try reader.readVarint("integer")
        case .int:
            let raw = try reader.readVarint("integer")
            let signed = ByteReader.unzigzag(raw)
            guard signed >= 0 else { throw BinaryFormatError.malformed("negative value \(signed) for an unsigned integer at \(pathDescription)") }
            value = UInt64(signed)
        default: throw mismatch("unsigned integer", tag)
        }
        offset = reader.offset
        return value
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type, at offset: inout Int) throws -> T {
        if T.isSigned {
            let value = try decodeSigned(at: &offset)
            guard let exact = T(exactly: value) else { throw BinaryFormatError.malformed("\(value) does not fit \(T.self) at \(pathDescription)") }
            return exact
        }
        let value = try decodeUnsigned(at: &offset)
        guard let exact = T(exactly: value) else { throw BinaryFormatError.malformed("\(value) does not fit \(T.self) at \(pathDescription)") }
        return exact
    }

    func decodeDouble(at offset: inout Int) throws -> Double {
        let tag = try self.tag(at: offset)
        var reader = reader(at: offset + 1)
        let value: Double
        switch tag {
        case .float64: value = Double(bitPattern: try reader.readFixed(UInt64.self, "Double"))
        case .float32: value = Double(Float(bitPattern: try reader.readFixed(UInt32.self, "Float")))
        default: throw mismatch("Double", tag)
        }
        offset = reader.offset
        return value
    }

    func decodeFloat(at offset: inout Int) throws -> Float {
        let tag = try self.tag(at: offset)
        var reader = reader(at: offset + 1)
        let value: Float
        switch tag {
        case .float32: value = Float(bitPattern: try reader.readFixed(UInt32.self, "Float"))
        case .float64: value = Float(Double(bitPattern: try reader.readFixed(UInt64.self, "Double")))
        default: throw mismatch("Float", tag)
        }
        offset = reader.offset
        return value
    }

    func decodeString(at offset: inout Int) throws -> String {
        let tag = try self.tag(at: offset)
        guard tag == .string else { throw mismatch("String", tag) }
        var reader = reader(at: offset + 1)
        let value = try reader.readString("string")
        offset = reader.offset
        return value
    }

    /// Reads a raw array (inline or out of band) of `kind` and hands its bytes to `body`.
    func withRawArray<R>(
        _ kind: BinaryElementKind, expected: String, at offset: inout Int,
        _ body: (UnsafeRawBufferPointer, Int) throws -> R
    ) throws -> R {
        let tag = try self.tag(at: offset)
        var reader = reader(at: offset + 1)
        switch tag {
        case .array:
            let found = try elementKind(&reader)
            guard found == kind else { throw BinaryFormatError.typeMismatch(expected: expected, found: "array of \(found)", at: pathDescription) }
            let count = try reader.readCount("array count", unit: kind.size)
            let bytes = try reader.readBytes(count * kind.size, "array elements")
            offset = reader.offset
            return try body(bytes, count)
        case .blob:
            let found = try elementKind(&reader)
            guard found == kind else { throw BinaryFormatError.typeMismatch(expected: expected, found: "array of \(found)", at: pathDescription) }
            let count = try reader.readVarint("blob count")
            let index = try reader.readVarint("blob index")
            let available = outOfBand?.count ?? 0
            guard let outOfBand, index < UInt64(available) else {
                throw BinaryFormatError.malformed("array refers to out-of-band array \(index) but there are \(available)")
            }
            let value = try outOfBand.withBytes(at: Int(index)) { bytes in
                guard count <= UInt64(bytes.count / kind.size), Int(count) * kind.size == bytes.count else {
                    throw BinaryFormatError.malformed("out-of-band array of \(count) elements in \(bytes.count) bytes")
                }
                return try body(bytes, Int(count))
            }
            offset = reader.offset
            return value
        default:
            throw mismatch(expected, tag)
        }
    }

    func decodeArray<E>(_ kind: BinaryElementKind, expected: String, at offset: inout Int) throws -> [E] {
        try withRawArray(kind, expected: expected, at: &offset) { bytes, count in
            [E](unsafeUninitializedCapacity: count) { storage, initialized in
                if count > 0 { storage.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: bytes.count) { _ = memcpy($0, bytes.baseAddress!, bytes.count) } }
                initialized = count
            }
        }
    }

    // MARK: Any value

    /// Decodes the value at `offset` and moves `offset` past it.
    public func decodeValue<T: Decodable>(_ type: T.Type, at offset: inout Int) throws -> T {
        if T.self == String.self { return unsafeBitCast(try decodeString(at: &offset), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try decodeInteger(Int.self, at: &offset), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try decodeBool(at: &offset), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try decodeDouble(at: &offset), to: T.self) }
        if T.self == Float.self { return unsafeBitCast(try decodeFloat(at: &offset), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try decodeSigned(at: &offset), to: T.self) }
        if T.self == UInt64.self { return unsafeBitCast(try decodeUnsigned(at: &offset), to: T.self) }
        if T.self == [Float].self {
            return unsafeBitCast(try decodeArray(.float32, expected: "[Float]", at: &offset) as [Float], to: T.self)
        }
        if T.self == [UInt8].self {
            return unsafeBitCast(try decodeArray(.uint8, expected: "[UInt8]", at: &offset) as [UInt8], to: T.self)
        }
        if T.self == Data.self {
            let data = try withRawArray(.uint8, expected: "Data", at: &offset) { bytes, _ in Data(bytes) }
            return unsafeBitCast(data, to: T.self)
        }
        if T.self == [Int].self {
            return unsafeBitCast(try decodeArray(.int64, expected: "[Int]", at: &offset) as [Int], to: T.self)
        }
        if T.self == [Int32].self {
            return unsafeBitCast(try decodeArray(.int32, expected: "[Int32]", at: &offset) as [Int32], to: T.self)
        }
        if T.self == [Double].self {
            return unsafeBitCast(try decodeArray(.float64, expected: "[Double]", at: &offset) as [Double], to: T.self)
        }
        guard path.count < Self.maximumDepth else { throw BinaryFormatError.tooDeep(limit: Self.maximumDepth) }
        let end = try end(ofValueAt: offset)
        let value = try T(from: BinaryValueDecoder(context: self, offset: offset))
        offset = end
        return value
    }
}

/// The `Decoder` handed to `init(from:)`: the shared context and where the value starts.
struct BinaryValueDecoder: Decoder {
    let context: BinaryDecodingContext
    let offset: Int

    var codingPath: [any CodingKey] { context.path.map { BinaryPathKey(stringValue: $0) } }
    var userInfo: [CodingUserInfoKey: Any] { context.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let tag = try context.tag(at: offset)
        guard tag == .keyed else { throw context.mismatch("keyed container", tag) }
        var reader = context.reader(at: offset + 1)
        let length = Int(try reader.readFixed(UInt32.self, "container length"))
        try reader.need(length, "container body")
        return KeyedDecodingContainer(BinaryKeyedDecodingContainer<Key>(context: context, start: reader.offset, end: reader.offset + length))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try BinaryUnkeyedDecodingContainer(context: context, offset: offset)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        BinarySingleValueDecodingContainer(context: context, offset: offset)
    }
}

/// A coding key made from a path component, for `codingPath`.
struct BinaryPathKey: CodingKey {
    let stringValue: String
    var intValue: Int? { Int(stringValue) }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { stringValue = String(intValue) }
}

/// A class rather than a struct: the protocol's methods are not `mutating`, yet reading fields
/// in order moves a cursor.
final class BinaryKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let context: BinaryDecodingContext
    let start: Int
    let end: Int
    /// Where the next entry is expected when fields are read in the order they were written.
    private var cursor: Int
    /// Every entry, built only when a key is read out of order.
    private var index: [(key: String, value: Int)]?

    init(context: BinaryDecodingContext, start: Int, end: Int) {
        self.context = context
        self.start = start
        self.end = end
        cursor = start
    }

    var codingPath: [any CodingKey] { context.path.map { BinaryPathKey(stringValue: $0) } }

    var allKeys: [Key] {
        guard let entries = try? entries() else { return [] }
        return entries.compactMap { Key(stringValue: $0.key) }
    }

    func contains(_ key: Key) -> Bool {
        (try? find(key)) != nil
    }

    private func entries() throws -> [(key: String, value: Int)] {
        if let index { return index }
        var entries: [(key: String, value: Int)] = []
        var reader = ByteReader(context.buffer, offset: start)
        while reader.offset < end {
            let key = try reader.readString("key")
            let valueStart = reader.offset
            let valueEnd = try context.end(ofValueAt: valueStart)
            guard valueEnd <= end else { throw BinaryFormatError.malformed("value of '\(key)' runs past its container") }
            entries.append((key, valueStart))
            reader.offset = valueEnd
        }
        return entries
    }

    /// The offset of `key`'s value, trying the sequential position first.
    private func find(_ key: Key) throws -> Int? {
        if index == nil, cursor < end {
            var reader = ByteReader(context.buffer, offset: cursor)
            let length = try reader.readCount("key length")
            let bytes = try reader.readBytes(length, "key")
            var name = key.stringValue
            let matches = name.withUTF8 { utf8 in
                utf8.count == length && (length == 0 || memcmp(utf8.baseAddress!, bytes.baseAddress!, length) == 0)
            }
            if matches { return reader.offset }
        }
        if index == nil { index = try entries() }
        return index!.first(where: { $0.key == key.stringValue })?.value
    }

    private func value(_ key: Key) throws -> Int {
        guard let offset = try find(key) else { throw BinaryFormatError.missingKey(key.stringValue, at: context.pathDescription) }
        return offset
    }

    private func decode<T>(_ key: Key, _ body: (inout Int) throws -> T) throws -> T {
        var offset = try value(key)
        context.path.append(key.stringValue)
        defer { context.path.removeLast() }
        let value = try body(&offset)
        if index == nil { cursor = offset }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let offset = try find(key) else { return true }
        guard try context.tag(at: offset) == .null else { return false }
        if index == nil { cursor = offset + 1 }
        return true
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(key) { try context.decodeBool(at: &$0) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(key) { try context.decodeString(at: &$0) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(key) { try context.decodeDouble(at: &$0) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(key) { try context.decodeFloat(at: &$0) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(key) { try context.decodeInteger(Int.self, at: &$0) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(key) { try context.decodeInteger(Int8.self, at: &$0) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(key) { try context.decodeInteger(Int16.self, at: &$0) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(key) { try context.decodeInteger(Int32.self, at: &$0) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(key) { try context.decodeSigned(at: &$0) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(key) { try context.decodeInteger(UInt.self, at: &$0) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(key) { try context.decodeInteger(UInt8.self, at: &$0) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(key) { try context.decodeInteger(UInt16.self, at: &$0) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(key) { try context.decodeInteger(UInt32.self, at: &$0) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(key) { try context.decodeUnsigned(at: &$0) } }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decode(key) { try context.decodeValue(T.self, at: &$0) }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let offset = try find(key), try context.tag(at: offset) != .null else { return nil }
        return try decode(T.self, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try BinaryValueDecoder(context: context, offset: try value(key)).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try BinaryUnkeyedDecodingContainer(context: context, offset: try value(key))
    }

    func superDecoder() throws -> any Decoder {
        BinaryValueDecoder(context: context, offset: try value(Key(stringValue: "super")!))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        BinaryValueDecoder(context: context, offset: try value(key))
    }
}

struct BinaryUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let context: BinaryDecodingContext
    let end: Int
    let count: Int?
    private(set) var currentIndex = 0
    private var cursor: Int

    init(context: BinaryDecodingContext, offset: Int) throws {
        let tag = try context.tag(at: offset)
        guard tag == .unkeyed else { throw context.mismatch("unkeyed container", tag) }
        var reader = context.reader(at: offset + 1)
        let length = Int(try reader.readFixed(UInt32.self, "container length"))
        let elements = Int(try reader.readFixed(UInt32.self, "element count"))
        try reader.need(length - 4, "container body")
        guard elements <= length else { throw BinaryFormatError.malformed("\(elements) elements in \(length) bytes") }
        self.context = context
        cursor = reader.offset
        end = reader.offset + length - 4
        count = elements
    }

    var codingPath: [any CodingKey] { context.path.map { BinaryPathKey(stringValue: $0) } }
    var isAtEnd: Bool { currentIndex >= count! }

    private mutating func next<T>(_ body: (BinaryDecodingContext, inout Int) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw BinaryFormatError.malformed("read past the \(count!) elements of the array at \(context.pathDescription)")
        }
        context.path.append(String(currentIndex))
        defer { context.path.removeLast() }
        var offset = cursor
        let value = try body(context, &offset)
        guard offset <= end else { throw BinaryFormatError.malformed("element runs past its array") }
        cursor = offset
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, cursor < end, try context.tag(at: cursor) == .null else { return false }
        cursor += 1
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try $0.decodeBool(at: &$1) } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try $0.decodeString(at: &$1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try $0.decodeDouble(at: &$1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next { try $0.decodeFloat(at: &$1) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try $0.decodeInteger(Int.self, at: &$1) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next { try $0.decodeValue(T.self, at: &$1) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next { context, offset in
            let container = try BinaryValueDecoder(context: context, offset: offset).container(keyedBy: NestedKey.self)
            offset = try context.end(ofValueAt: offset)
            return container
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next { context, offset in
            let container = try BinaryUnkeyedDecodingContainer(context: context, offset: offset)
            offset = try context.end(ofValueAt: offset)
            return container
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next { context, offset in
            let decoder = BinaryValueDecoder(context: context, offset: offset)
            offset = try context.end(ofValueAt: offset)
            return decoder
        }
    }
}

struct BinarySingleValueDecodingContainer: SingleValueDecodingContainer {
    let context: BinaryDecodingContext
    let offset: Int

    var codingPath: [any CodingKey] { context.path.map { BinaryPathKey(stringValue: $0) } }

    func decodeNil() -> Bool { (try? context.tag(at: offset)) == .null }

    private func read<T>(_ body: (inout Int) throws -> T) throws -> T {
        var offset = self.offset
        return try body(&offset)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try read { try context.decodeBool(at: &$0) } }
    func decode(_ type: String.Type) throws -> String { try read { try context.decodeString(at: &$0) } }
    func decode(_ type: Double.Type) throws -> Double { try read { try context.decodeDouble(at: &$0) } }
    func decode(_ type: Float.Type) throws -> Float { try read { try context.decodeFloat(at: &$0) } }
    func decode(_ type: Int.Type) throws -> Int { try read { try context.decodeInteger(Int.self, at: &$0) } }
    func decode(_ type: Int8.Type) throws -> Int8 { try read { try context.decodeInteger(Int8.self, at: &$0) } }
    func decode(_ type: Int16.Type) throws -> Int16 { try read { try context.decodeInteger(Int16.self, at: &$0) } }
    func decode(_ type: Int32.Type) throws -> Int32 { try read { try context.decodeInteger(Int32.self, at: &$0) } }
    func decode(_ type: Int64.Type) throws -> Int64 { try read { try context.decodeSigned(at: &$0) } }
    func decode(_ type: UInt.Type) throws -> UInt { try read { try context.decodeInteger(UInt.self, at: &$0) } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try read { try context.decodeInteger(UInt8.self, at: &$0) } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try read { try context.decodeInteger(UInt16.self, at: &$0) } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try read { try context.decodeInteger(UInt32.self, at: &$0) } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try read { try context.decodeUnsigned(at: &$0) } }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try read { try context.decodeValue(T.self, at: &$0) } }
}
