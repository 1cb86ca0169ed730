import CZeroMQ
import Glibc

/// One received frame, owning libzmq's buffer until it is released.
///
/// Large frames are read in place (`withUnsafeBytes`) so that a multi-megabyte payload is copied
/// at most once, into its final Swift value.
///
/// `Sendable` because a frame never changes after it was received: threads only read its bytes,
/// and the one `zmq_msg_close` happens in deinit, when no thread can be reading any more.
public final class Message: @unchecked Sendable {
    let storage: UnsafeMutablePointer<zmq_msg_t>

    init() {
        storage = .allocate(capacity: 1)
        zmq_msg_init(storage)
    }

    /// Allocates the storage only; the caller initialises it.
    init(uninitialized: Void) {
        storage = .allocate(capacity: 1)
    }

    deinit {
        zmq_msg_close(storage)
        storage.deallocate()
    }

    /// The frame's size in bytes.
    public var count: Int { zmq_msg_size(storage) }

    /// Calls `body` with the frame's bytes; the pointer is valid only inside `body`.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: zmq_msg_data(storage), count: zmq_msg_size(storage)))
    }

    /// A copy of the frame's bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The file descriptor of the TCP connection the frame arrived on, or nil if unknown.
    ///
    /// A ROUTER uses this to tie a peer's routing id to the connection that a socket monitor
    /// later reports as disconnected.
    public var sourceFileDescriptor: Int32? {
        let fd = zmq_msg_get(storage, ZMQ_SRCFD)
        return fd >= 0 ? fd : nil
    }

    /// A metadata property of the connection the frame arrived on, e.g. `"User-Id"` (which a ZAP
    /// handler sets for the connections it admits), or nil when the connection has none.
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(storage, name) else { return nil }
        return String(cString: value)
    }
}

/// A frame to send whose buffer libzmq takes over without copying.
///
/// The bytes come from `malloc`. Once passed to `Socket.send(_:more:)` they belong to libzmq,
/// whose I/O thread frees them after writing them out; bytes never sent are freed on deinit.
/// An instance is owned by one thread at a time, like the socket it is sent on.
public final class OwnedBytes {
    /// The start of the malloc'd bytes.
    public let base: UnsafeMutableRawPointer
    /// The number of bytes.
    public let count: Int
    private var released = false

    /// Takes ownership of `count` bytes at `base`, which must come from `malloc`.
    public init(mallocated base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    /// Copies `bytes` into a new malloc'd buffer.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        let base = malloc(max(bytes.count, 1))!
        if let source = bytes.baseAddress, bytes.count > 0 {
            memcpy(base, source, bytes.count)
        }
        self.init(mallocated: base, count: bytes.count)
    }

    deinit {
        if !released { free(base) }
    }

    /// The bytes, valid while this object owns them.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Gives up ownership: whoever takes the pointer must arrange for `free(base)`.
    func release() -> UnsafeMutableRawPointer {
        precondition(!released, "OwnedBytes sent twice")
        released = true
        return base
    }
}

extension Message {
    /// A frame holding a copy of `bytes` (for splitting a frame that carries several messages).
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(uninitialized: ())
        zmq_msg_init_size(storage, bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            memcpy(zmq_msg_data(storage), source, bytes.count)
        }
    }

    /// Wraps bytes produced locally as a received frame, without copying them.
    public convenience init(taking bytes: OwnedBytes) {
        self.init(uninitialized: ())
        zmq_msg_init_data(storage, bytes.release(), bytes.count, { data, _ in free(data) }, nil)
    }
}
