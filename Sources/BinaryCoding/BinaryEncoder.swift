import FoundationEssentials

/// Encodes `Codable` values in Fulmen's compact tagged binary format (see `BinaryTag`): the
/// actor system's call arguments and results, and the store's structured columns.
///
/// Keys are kept (so optional fields can be added later and enums with associated values work),
/// integers are varints, and `[Float]`, `[Double]`, `[Int]`, `[Int32]`, `[UInt8]` and `Data` are
/// written as raw memory instead of element by element.
public struct BinaryEncoder {
    /// Contextual information for `encode(to:)` implementations.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    /// Encodes `value` into one self-contained buffer (every array inline).
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let context = BinaryEncodingContext(userInfo: userInfo)
        try context.encode(value)
        return context.writer.bytes
    }
}

/// Encodes values one after another into one buffer, for callers that frame them themselves (the
/// actor system writes a call's arguments after its envelope), optionally with large arrays out of
/// band.
///
/// Containers are written straight into the buffer in the order the values are encoded. A
/// container's byte length is patched in when a value is next written at an outer level, or
/// when the value is finished.
public final class BinaryEncodingContext {
    /// The buffer the values are written to, after whatever it held when it was handed in.
    public var writer: ByteWriter
    /// Where raw arrays of its threshold or more go instead of the buffer; nil keeps them inline.
    let outOfBand: (any OutOfBandSink)?
    private let baseUserInfo: [CodingUserInfoKey: any Sendable]
    /// Built only when an `encode(to:)` asks for it, which most never do.
    var userInfo: [CodingUserInfoKey: Any] { baseUserInfo }

    /// Offsets of the length fields of containers still open, outermost first.
    private var open: [Int] = []
    /// The container opened by each nesting level's `encode(to:)`, if any (for reuse).
    private var containerOfLevel: [Int?] = []

    public init(
        userInfo: [CodingUserInfoKey: any Sendable] = [:], outOfBand: (any OutOfBandSink)? = nil,
        writer: consuming ByteWriter = ByteWriter()
    ) {
        baseUserInfo = userInfo
        self.outOfBand = outOfBand
        self.writer = writer
    }

    /// Appends `value` to the buffer, complete (every container it opened closed).
    public func encode<T: Encodable>(_ value: T) throws {
        try encodeValue(value)
        close(downTo: 0)
    }

    // MARK: Containers

    /// Closes containers nested deeper than `depth` (the number that stay open).
    @inline(__always)
    func close(downTo depth: Int) {
        while open.count > depth {
            let lengthOffset = open.removeLast()
            writer.patch(fixed: UInt32(writer.count - lengthOffset - 4), at: lengthOffset)
        }
    }

    /// Opens a keyed container for the value being encoded at `level`, or returns the one
    /// that level already opened. Returns its depth in the open stack.
    func openKeyed(level: Int) -> Int {
        if let existing = containerOfLevel[level], existing < open.count { return existing }
        writer.write(BinaryTag.keyed.rawValue)
        open.append(writer.count)
        writer.write(fixed: UInt32(0))
        containerOfLevel[level] = open.count - 1
        return open.count - 1
    }

    /// Opens an unkeyed container; its element count is patched as elements are added.
    func openUnkeyed(level: Int) -> (depth: Int, countOffset: Int) {
        writer.write(BinaryTag.unkeyed.rawValue)
        let lengthOffset = writer.count
        writer.write(fixed: UInt32(0))
        let countOffset = writer.count
        writer.write(fixed: UInt32(0))
        open.append(lengthOffset)
        if level >= 0 { containerOfLevel[level] = open.count - 1 }
        return (open.count - 1, countOffset)
    }

    /// Opens a keyed container as a value nested directly inside another container.
    func openNestedKeyed() -> Int {
        writer.write(BinaryTag.keyed.rawValue)
        open.append(writer.count)
        writer.write(fixed: UInt32(0))
        return open.count - 1
    }

    /// Makes the container at `depth` the innermost one before it is written to.
    @inline(__always)
    func prepareWrite(depth: Int) {
        if open.count > depth + 1 { close(downTo: depth + 1) }
    }

    func incrementCount(at countOffset: Int) {
        let current = UInt32(littleEndian: (writer.base + countOffset).loadUnaligned(as: UInt32.self))
        writer.patch(fixed: current + 1, at: countOffset)
    }

    func writeKey(_ key: some CodingKey) {
        writer.write(string: key.stringValue)
    }

    // MARK: Values

    func encodeNil() { writer.write(BinaryTag.null.rawValue) }

    func encode(_ value: Bool) { writer.write(value ? BinaryTag.true.rawValue : BinaryTag.false.rawValue) }

    func encode(signed value: Int64) {
        writer.write(BinaryTag.int.rawValue)
        writer.write(zigzag: value)
    }

    func encode(unsigned value: UInt64) {
        writer.write(BinaryTag.uint.rawValue)
        writer.write(varint: value)
    }

    func encode(_ value: Float) {
        writer.write(BinaryTag.float32.rawValue)
        writer.write(fixed: value.bitPattern)
    }

    func encode(_ value: Double) {
        writer.write(BinaryTag.float64.rawValue)
        writer.write(fixed: value.bitPattern)
    }

    func encode(_ value: String) {
        writer.write(BinaryTag.string.rawValue)
        writer.write(string: value)
    }

    /// Writes raw elements inline, or out of band when they are large.
    func encodeRaw(_ bytes: UnsafeRawBufferPointer, kind: BinaryElementKind) {
        let count = bytes.count / kind.size
        if let outOfBand, bytes.count >= outOfBand.threshold {
            writer.write(BinaryTag.blob.rawValue)
            writer.write(kind.rawValue)
            writer.write(varint: UInt64(count))
            writer.write(varint: UInt64(outOfBand.append(bytes)))
        } else {
            writer.write(BinaryTag.array.rawValue)
            writer.write(kind.rawValue)
            writer.write(varint: UInt64(count))
            writer.write(bytes: bytes)
        }
    }

    /// Encodes any value, taking the raw-memory path for the array types that have one.
    ///
    /// The type tests compare metatypes, which specialization folds away, rather than casting.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if T.self == String.self { return encode(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return encode(signed: Int64(unsafeBitCast(value, to: Int.self))) }
        if T.self == Bool.self { return encode(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Double.self { return encode(unsafeBitCast(value, to: Double.self)) }
        if T.self == Float.self { return encode(unsafeBitCast(value, to: Float.self)) }
        if T.self == Int64.self { return encode(signed: unsafeBitCast(value, to: Int64.self)) }
        if T.self == UInt64.self { return encode(unsigned: unsafeBitCast(value, to: UInt64.self)) }
        if T.self == [Float].self {
            return unsafeBitCast(value, to: [Float].self).withUnsafeBytes { encodeRaw($0, kind: .float32) }
        }
        if T.self == [UInt8].self {
            return unsafeBitCast(value, to: [UInt8].self).withUnsafeBytes { encodeRaw($0, kind: .uint8) }
        }
        if T.self == Data.self {
            return unsafeBitCast(value, to: Data.self).withUnsafeBytes { encodeRaw($0, kind: .uint8) }
        }
        if T.self == [Int].self {
            return unsafeBitCast(value, to: [Int].self).withUnsafeBytes { encodeRaw($0, kind: .int64) }
        }
        if T.self == [Int32].self {
            return unsafeBitCast(value, to: [Int32].self).withUnsafeBytes { encodeRaw($0, kind: .int32) }
        }
        if T.self == [Double].self {
            return unsafeBitCast(value, to: [Double].self).withUnsafeBytes { encodeRaw($0, kind: .float64) }
        }
        let depth = open.count
        let start = writer.count
        containerOfLevel.append(nil)
        defer { containerOfLevel.removeLast() }
        try value.encode(to: BinaryValueEncoder(context: self, level: containerOfLevel.count - 1))
        close(downTo: depth)
        if writer.count == start {
            // `encode(to:)` wrote nothing: record an empty keyed container so that decoding
            // finds a value where one is expected.
            _ = openNestedKeyed()
            close(downTo: depth)
        }
    }
}

/// The `Encoder` handed to `encode(to:)`: the shared context plus the nesting level.
struct BinaryValueEncoder: Encoder {
    let context: BinaryEncodingContext
    let level: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { context.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(BinaryKeyedEncodingContainer<Key>(context: context, depth: context.openKeyed(level: level)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let (depth, countOffset) = context.openUnkeyed(level: level)
        return BinaryUnkeyedEncodingContainer(context: context, depth: depth, countOffset: countOffset)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinarySingleValueEncodingContainer(context: context)
    }
}

struct BinaryKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let context: BinaryEncodingContext
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    @inline(__always)
    private func key(_ key: Key) {
        context.prepareWrite(depth: depth)
        context.writeKey(key)
    }

    mutating func encodeNil(forKey key: Key) throws { self.key(key); context.encodeNil() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { self.key(key); context.encode(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { self.key(key); context.encode(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { self.key(key); context.encode(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { self.key(key); context.encode(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { self.key(key); context.encode(signed: Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { self.key(key); context.encode(signed: value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { self.key(key); context.encode(unsigned: value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.key(key)
        try context.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        self.key(key)
        return KeyedEncodingContainer(BinaryKeyedEncodingContainer<NestedKey>(context: context, depth: context.openNestedKeyed()))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        self.key(key)
        let (depth, countOffset) = context.openUnkeyed(level: -1)
        return BinaryUnkeyedEncodingContainer(context: context, depth: depth, countOffset: countOffset)
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKey: Key(stringValue: "super")!)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        self.key(key)
        return BinarySuperEncoder(context: context)
    }
}

struct BinaryUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let context: BinaryEncodingContext
    let depth: Int
    let countOffset: Int
    private(set) var count = 0

    init(context: BinaryEncodingContext, depth: Int, countOffset: Int) {
        self.context = context
        self.depth = depth
        self.countOffset = countOffset
    }

    var codingPath: [any CodingKey] { [] }

    @inline(__always)
    private mutating func element() {
        context.prepareWrite(depth: depth)
        context.incrementCount(at: countOffset)
        count += 1
    }

    mutating func encodeNil() throws { element(); context.encodeNil() }
    mutating func encode(_ value: Bool) throws { element(); context.encode(value) }
    mutating func encode(_ value: String) throws { element(); context.encode(value) }
    mutating func encode(_ value: Double) throws { element(); context.encode(value) }
    mutating func encode(_ value: Float) throws { element(); context.encode(value) }
    mutating func encode(_ value: Int) throws { element(); context.encode(signed: Int64(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        element()
        try context.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element()
        return KeyedEncodingContainer(BinaryKeyedEncodingContainer<NestedKey>(context: context, depth: context.openNestedKeyed()))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        element()
        let (depth, countOffset) = context.openUnkeyed(level: -1)
        return BinaryUnkeyedEncodingContainer(context: context, depth: depth, countOffset: countOffset)
    }

    mutating func superEncoder() -> any Encoder {
        element()
        return BinarySuperEncoder(context: context)
    }
}

struct BinarySingleValueEncodingContainer: SingleValueEncodingContainer {
    let context: BinaryEncodingContext

    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { context.encodeNil() }
    mutating func encode(_ value: Bool) throws { context.encode(value) }
    mutating func encode(_ value: String) throws { context.encode(value) }
    mutating func encode(_ value: Double) throws { context.encode(value) }
    mutating func encode(_ value: Float) throws { context.encode(value) }
    mutating func encode(_ value: Int) throws { context.encode(signed: Int64(value)) }
    mutating func encode(_ value: Int8) throws { context.encode(signed: Int64(value)) }
    mutating func encode(_ value: Int16) throws { context.encode(signed: Int64(value)) }
    mutating func encode(_ value: Int32) throws { context.encode(signed: Int64(value)) }
    mutating func encode(_ value: Int64) throws { context.encode(signed: value) }
    mutating func encode(_ value: UInt) throws { context.encode(unsigned: UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { context.encode(unsigned: UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { context.encode(unsigned: UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { context.encode(unsigned: UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { context.encode(unsigned: value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try context.encodeValue(value) }
}

/// The encoder `superEncoder()` returns: it writes one value in place, at the key just written.
struct BinarySuperEncoder: Encoder {
    let context: BinaryEncodingContext

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { context.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(BinaryKeyedEncodingContainer<Key>(context: context, depth: context.openNestedKeyed()))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let (depth, countOffset) = context.openUnkeyed(level: -1)
        return BinaryUnkeyedEncodingContainer(context: context, depth: depth, countOffset: countOffset)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinarySingleValueEncodingContainer(context: context)
    }
}
