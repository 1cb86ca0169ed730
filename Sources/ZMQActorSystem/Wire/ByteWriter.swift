import Glibc
import ZeroMQ

/// A growable malloc'd byte buffer that encoders append to.
///
/// The finished buffer is handed to libzmq without a copy (`take()`), which is why this is not
/// an `[UInt8]`.
struct ByteWriter: ~Copyable {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = malloc(self.capacity)!
    }

    deinit {
        free(base)
    }

    /// Hands the bytes over as a zero-copy frame; the writer is consumed.
    consuming func take() -> OwnedBytes {
        let owned = OwnedBytes(mallocated: base, count: count)
        discard self
        return owned
    }

    /// Hands over the bytes written so far and starts again with an empty buffer.
    mutating func takeAndReset() -> OwnedBytes {
        let owned = OwnedBytes(mallocated: base, count: count)
        capacity = 16
        base = malloc(capacity)!
        count = 0
        return owned
    }

    /// A copy of the bytes written so far.
    var bytes: [UInt8] {
        Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        base = realloc(base, newCapacity)!
        capacity = newCapacity
    }

    @inline(__always)
    mutating func write(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// Writes a fixed-width little-endian integer.
    @inline(__always)
    mutating func write<T: FixedWidthInteger>(fixed value: T) {
        let size = MemoryLayout<T>.size
        reserve(size)
        (base + count).storeBytes(of: value.littleEndian, as: T.self)
        count += size
    }

    /// Writes an unsigned LEB128 varint.
    @inline(__always)
    mutating func write(varint value: UInt64) {
        reserve(10)
        var value = value
        while value >= 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: value) | 0x80, toByteOffset: count, as: UInt8.self)
            count += 1
            value >>= 7
        }
        base.storeBytes(of: UInt8(value), toByteOffset: count, as: UInt8.self)
        count += 1
    }

    mutating func write(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        memcpy(base + count, source, bytes.count)
        count += bytes.count
    }

    /// Writes a varint length followed by the UTF-8 bytes.
    mutating func write(string: String) {
        var string = string
        string.withUTF8 { utf8 in
            write(varint: UInt64(utf8.count))
            write(bytes: UnsafeRawBufferPointer(utf8))
        }
    }

    /// Overwrites a fixed-width integer written earlier (for lengths known only later).
    mutating func patch(fixed value: UInt32, at offset: Int) {
        (base + offset).storeBytes(of: value.littleEndian, as: UInt32.self)
    }
}
