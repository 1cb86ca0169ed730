/// Bounds-checked reads from a byte buffer that may come from anywhere (the network, a database).
///
/// Every read checks the remaining length first and throws `BinaryFormatError` instead of reading
/// past the end, so no input can make a decoder touch memory it does not own. `what` names the
/// thing being read, for the error.
public struct ByteReader {
    public let base: UnsafeRawPointer
    public let end: Int
    public var offset: Int

    /// A reader of `buffer`, which must outlive it, starting at `offset`.
    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        end = buffer.count
        self.offset = offset
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    /// Throws unless `count` more bytes are left.
    @inlinable @inline(__always)
    public func need(_ count: Int, _ what: @autoclosure () -> String) throws(BinaryFormatError) {
        if count < 0 || count > end - offset {
            throw BinaryFormatError.truncated(what(), needed: count, remaining: end - offset)
        }
    }

    @inlinable @inline(__always)
    public mutating func readByte(_ what: @autoclosure () -> String = "byte") throws(BinaryFormatError) -> UInt8 {
        try need(1, what())
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return byte
    }

    @inlinable @inline(__always)
    public mutating func readFixed<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(BinaryFormatError) -> T {
        try need(MemoryLayout<T>.size, what())
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    /// Reads an unsigned LEB128 varint of at most 64 bits.
    @inlinable @inline(__always)
    public mutating func readVarint(_ what: @autoclosure () -> String) throws(BinaryFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw BinaryFormatError.truncated(what(), needed: 1, remaining: 0) }
            let byte = base.load(fromByteOffset: offset, as: UInt8.self)
            offset += 1
            if shift == 63 && byte > 1 { throw BinaryFormatError.malformed("\(what()): varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { throw BinaryFormatError.malformed("\(what()): varint longer than 10 bytes") }
        }
    }

    /// Reads a signed integer written by `ByteWriter.write(zigzag:)`.
    @inlinable @inline(__always)
    public mutating func readZigzag(_ what: @autoclosure () -> String) throws(BinaryFormatError) -> Int64 {
        Self.unzigzag(try readVarint(what()))
    }

    /// The signed integer a zigzag varint's value stands for.
    @inlinable @inline(__always)
    public static func unzigzag(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a varint that counts something held in the remaining bytes, at `unit` bytes each,
    /// and rejects counts the buffer cannot possibly hold (before anything is allocated).
    @inlinable
    public mutating func readCount(_ what: @autoclosure () -> String, unit: Int = 1) throws(BinaryFormatError) -> Int {
        let raw = try readVarint(what())
        guard raw <= UInt64(Int.max / max(unit, 1)), Int(raw) * unit <= remaining else {
            throw BinaryFormatError.malformed("\(what()): count \(raw) exceeds the \(remaining) bytes left")
        }
        return Int(raw)
    }

    /// The next `count` bytes, in place (valid as long as the buffer is).
    @inlinable
    public mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(BinaryFormatError) -> UnsafeRawBufferPointer {
        try need(count, what())
        let slice = UnsafeRawBufferPointer(start: base + offset, count: count)
        offset += count
        return slice
    }

    /// Reads a string written by `ByteWriter.write(string:)`, refusing invalid UTF-8.
    public mutating func readString(_ what: @autoclosure () -> String) throws(BinaryFormatError) -> String {
        let count = try readCount(what())
        let bytes = try readBytes(count, what())
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw BinaryFormatError.malformed("\(what()): invalid UTF-8")
        }
        return string
    }

    @inlinable
    public mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(BinaryFormatError) {
        try need(count, what())
        offset += count
    }
}
