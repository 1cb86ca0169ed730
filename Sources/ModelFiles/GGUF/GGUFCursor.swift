/// A bounds-checked little-endian reader over a GGUF file's bytes.
///
/// Every read checks the bytes left first and throws ``GGUFError/truncated(what:offset:needed:fileSize:)``
/// naming what was being read and where, so no file, however damaged, makes the parser read outside it.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are left for `what`.
    func need(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(what: what(), offset: offset, needed: count, fileSize: bytes.count)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    /// Reads a count stored as a `uint64`, refusing one larger than `limit` (what the rest of the file can hold).
    mutating func readCount(_ what: @autoclosure () -> String, limit: Int) throws(GGUFError) -> Int {
        let start = offset
        let count = try read(UInt64.self, what())
        guard count <= UInt64(max(limit, 0)) else { throw .absurdCount(what: what(), count: count, offset: start) }
        return Int(count)
    }

    /// Reads a GGUF string: a `uint64` byte length, then that many bytes of UTF-8.
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, "length of \(what())")
        guard length <= UInt64(remaining) else {
            throw .truncated(what: what(), offset: offset, needed: Int(clamping: length), fileSize: bytes.count)
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
        guard let string = String(validating: text, as: UTF8.self) else {
            throw .invalidUTF8(what: what(), offset: start)
        }
        offset += Int(length)
        return string
    }

    /// Reads `count` fixed-width values into an array in one pass.
    mutating func readArray<T: FixedWidthInteger>(_: T.Type, count: Int, _ what: @autoclosure () -> String)
        throws(GGUFError) -> [T]
    {
        let size = MemoryLayout<T>.size
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw .absurdCount(what: what(), count: UInt64(count), offset: offset) }
        try need(byteCount, what())
        let start = offset
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            for i in 0..<count {
                buffer[i] = T(littleEndian: bytes.loadUnaligned(fromByteOffset: start + i * size, as: T.self))
            }
            initialised = count
        }
        offset += byteCount
        return values
    }

    /// Moves to the next multiple of `alignment`.
    mutating func align(to alignment: Int) {
        let padding = (alignment - offset % alignment) % alignment
        offset += padding
    }
}
