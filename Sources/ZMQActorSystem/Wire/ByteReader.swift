import Glibc

/// Bounds-checked reads from a byte buffer that came off the network.
///
/// Every read checks the remaining length first and throws `WireFormatError` instead of reading
/// past the end, so no input can make the decoder touch memory it does not own.
struct ByteReader {
    let base: UnsafeRawPointer
    let end: Int
    var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        end = buffer.count
        self.offset = offset
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    @inline(__always)
    func need(_ count: Int, _ what: @autoclosure () -> String) throws(WireFormatError) {
        if count < 0 || count > end - offset {
            throw WireFormatError.truncated(what(), needed: count, remaining: end - offset)
        }
    }

    @inline(__always)
    mutating func readByte(_ what: @autoclosure () -> String = "byte") throws(WireFormatError) -> UInt8 {
        try need(1, what())
        let byte = base.load(fromByteOffset: offset, as: UInt8.self)
        offset += 1
        return byte
    }

    @inline(__always)
    func peekByte() -> UInt8? {
        offset < end ? base.load(fromByteOffset: offset, as: UInt8.self) : nil
    }

    @inline(__always)
    mutating func readFixed<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(WireFormatError) -> T {
        try need(MemoryLayout<T>.size, what())
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    @inline(__always)
    mutating func readVarint(_ what: @autoclosure () -> String) throws(WireFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw WireFormatError.truncated(what(), needed: 1, remaining: 0) }
            let byte = base.load(fromByteOffset: offset, as: UInt8.self)
            offset += 1
            if shift == 63 && byte > 1 { throw WireFormatError.malformed("\(what()): varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { throw WireFormatError.malformed("\(what()): varint longer than 10 bytes") }
        }
    }

    /// Reads a varint that counts something held in the remaining bytes, at `unit` bytes each,
    /// and rejects counts the buffer cannot possibly hold (before anything is allocated).
    mutating func readCount(_ what: @autoclosure () -> String, unit: Int = 1) throws(WireFormatError) -> Int {
        let raw = try readVarint(what())
        guard raw <= UInt64(Int.max / max(unit, 1)), Int(raw) * unit <= remaining else {
            throw WireFormatError.malformed("\(what()): count \(raw) exceeds the \(remaining) bytes left")
        }
        return Int(raw)
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(WireFormatError) -> UnsafeRawBufferPointer {
        try need(count, what())
        let slice = UnsafeRawBufferPointer(start: base + offset, count: count)
        offset += count
        return slice
    }

    mutating func readString(_ what: @autoclosure () -> String) throws(WireFormatError) -> String {
        let count = try readCount(what())
        let bytes = try readBytes(count, what())
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw WireFormatError.malformed("\(what()): invalid UTF-8")
        }
        return string
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(WireFormatError) {
        try need(count, what())
        offset += count
    }
}
