import Glibc

/// A growable malloc'd byte buffer that encoders append to: bytes, fixed-width little-endian
/// integers, LEB128 varints, zigzag varints and length-prefixed UTF-8 strings.
///
/// The buffer is malloc'd, not an `[UInt8]`, so that a finished buffer can change owners without a
/// copy (`takeBuffer()`): the actor system hands it to libzmq as a frame.
public struct ByteWriter: ~Copyable {
    /// The start of the buffer; valid until the next write.
    @inlinable public var base: UnsafeMutableRawPointer { storage }
    /// The number of bytes written.
    @inlinable public var count: Int { written }
    // Stored under other names so that the inlinable writes below (the hot path of every encoder,
    // called across modules) can set them while callers only read.
    @usableFromInline var storage: UnsafeMutableRawPointer
    @usableFromInline var written = 0
    @usableFromInline var capacity: Int

    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        storage = malloc(self.capacity)!
    }

    deinit {
        free(storage)
    }

    /// Hands over the bytes written, consuming the writer: the caller owns the malloc'd buffer at
    /// `base` and must `free` it.
    public consuming func takeBuffer() -> (base: UnsafeMutableRawPointer, count: Int) {
        let buffer = (storage, written)
        discard self
        return buffer
    }

    /// Hands over the bytes written so far, as `takeBuffer()` does, and starts again with an empty
    /// buffer.
    public mutating func takeBufferAndReset() -> (base: UnsafeMutableRawPointer, count: Int) {
        let buffer = (storage, written)
        capacity = 16
        storage = malloc(capacity)!
        written = 0
        return buffer
    }

    /// A copy of the bytes written so far.
    public var bytes: [UInt8] {
        Array(UnsafeRawBufferPointer(start: storage, count: written))
    }

    /// Makes room for `extra` more bytes.
    @inlinable @inline(__always)
    public mutating func reserve(_ extra: Int) {
        if written + extra > capacity { grow(to: written + extra) }
    }

    @usableFromInline mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        storage = realloc(storage, newCapacity)!
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    public mutating func write(_ byte: UInt8) {
        reserve(1)
        storage.storeBytes(of: byte, toByteOffset: written, as: UInt8.self)
        written += 1
    }

    /// Writes a fixed-width little-endian integer.
    @inlinable @inline(__always)
    public mutating func write<T: FixedWidthInteger>(fixed value: T) {
        let size = MemoryLayout<T>.size
        reserve(size)
        (storage + written).storeBytes(of: value.littleEndian, as: T.self)
        written += size
    }

    /// Writes an unsigned LEB128 varint.
    @inlinable @inline(__always)
    public mutating func write(varint value: UInt64) {
        reserve(10)
        var value = value
        while value >= 0x80 {
            storage.storeBytes(of: UInt8(truncatingIfNeeded: value) | 0x80, toByteOffset: written, as: UInt8.self)
            written += 1
            value >>= 7
        }
        storage.storeBytes(of: UInt8(value), toByteOffset: written, as: UInt8.self)
        written += 1
    }

    /// Writes a signed integer as a zigzag varint (0, -1, 1, -2, … as 0, 1, 2, 3, …), so that small
    /// negative numbers stay short.
    @inlinable @inline(__always)
    public mutating func write(zigzag value: Int64) {
        write(varint: UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inlinable
    public mutating func write(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (storage + written).copyMemory(from: source, byteCount: bytes.count)
        written += bytes.count
    }

    /// Writes a varint length followed by the UTF-8 bytes.
    public mutating func write(string: String) {
        var string = string
        string.withUTF8 { utf8 in
            write(varint: UInt64(utf8.count))
            write(bytes: UnsafeRawBufferPointer(utf8))
        }
    }

    /// Overwrites a fixed-width integer written earlier (for lengths known only later).
    @inlinable
    public mutating func patch(fixed value: UInt32, at offset: Int) {
        (storage + offset).storeBytes(of: value.littleEndian, as: UInt32.self)
    }
}
