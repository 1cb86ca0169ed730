import CZeroMQ
import Glibc

/// A libzmq socket.
///
/// libzmq sockets are not thread-safe: a `Socket` must be used by one thread at a time, and
/// handing it to another thread needs a full memory barrier (a lock does). It is therefore not
/// `Sendable`; keep it inside a `Mutex` or confine it to one thread.
public final class Socket {
    /// The socket types Fulmen uses.
    public enum Kind: Sendable {
        /// `rep` answers requests one at a time; a node's ZAP handler is one.
        case router, dealer, pair, rep

        var rawValue: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .pair: ZMQ_PAIR
            case .rep: ZMQ_REP
            }
        }
    }

    private var handle: UnsafeMutableRawPointer?
    /// The context is kept alive for as long as the socket exists.
    private let context: Context

    public init(_ context: Context, kind: Kind) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, kind.rawValue) else {
            throw ZMQError("zmq_socket")
        }
        self.handle = handle
        self.context = context
        try setOption(ZMQ_LINGER, Int32(0))
    }

    deinit {
        close()
    }

    /// Closes the socket, dropping unsent messages. Closing twice is harmless.
    public func close() {
        if let handle {
            zmq_close(handle)
            self.handle = nil
        }
    }

    var live: UnsafeMutableRawPointer {
        get throws(ZMQError) {
            guard let handle else { throw ZMQError("use of closed socket", code: ENOTSOCK) }
            return handle
        }
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(try live, endpoint) != 0 { throw ZMQError("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(try live, endpoint) != 0 { throw ZMQError("connect \(endpoint)") }
    }

    /// The endpoint the last `bind` resolved to (with the real port when bound to port `*`).
    public var lastEndpoint: String {
        get throws(ZMQError) {
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            if zmq_getsockopt(try live, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 {
                throw ZMQError("getsockopt(ZMQ_LAST_ENDPOINT)")
            }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: Options

    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        if zmq_setsockopt(try live, option, &value, MemoryLayout<Int32>.size) != 0 {
            throw ZMQError("setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var value = value
        if zmq_setsockopt(try live, option, &value, MemoryLayout<Int64>.size) != 0 {
            throw ZMQError("setsockopt(\(option))")
        }
    }

    public func setOption(_ option: Int32, bytes: [UInt8]) throws(ZMQError) {
        let handle = try live
        let status = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        if status != 0 { throw ZMQError("setsockopt(\(option))") }
    }

    /// The file descriptor libzmq signals when the socket may have become readable or writable.
    ///
    /// It is edge-like: after any operation on the socket, check `canReceive` rather than
    /// relying on the descriptor alone.
    public var fileDescriptor: Int32 {
        get throws(ZMQError) {
            var fd: Int32 = -1
            var size = MemoryLayout<Int32>.size
            if zmq_getsockopt(try live, ZMQ_FD, &fd, &size) != 0 { throw ZMQError("getsockopt(ZMQ_FD)") }
            return fd
        }
    }

    /// Whether a message can be received now without blocking (`ZMQ_EVENTS` has `ZMQ_POLLIN`).
    public var canReceive: Bool {
        guard let handle else { return false }
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        if zmq_getsockopt(handle, ZMQ_EVENTS, &events, &size) != 0 { return false }
        return events & Int32(ZMQ_POLLIN) != 0
    }

    // MARK: Sending

    /// Sends one frame, copying `bytes`; `more` marks it as not the last frame of a message.
    ///
    /// Never blocks: throws `ZMQError` with `wouldBlock` when the message cannot be queued now.
    public func send(_ bytes: [UInt8], more: Bool = false) throws(ZMQError) {
        let handle = try live
        let flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)
        let sent = bytes.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
        if sent < 0 { throw ZMQError("send") }
    }

    /// Sends one frame without copying: libzmq frees the buffer once it has been written out.
    public func send(_ bytes: OwnedBytes, more: Bool = false) throws(ZMQError) {
        let handle = try live
        var message = zmq_msg_t()
        zmq_msg_init_data(&message, bytes.release(), bytes.count, { data, _ in free(data) }, nil)
        let flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)
        if zmq_msg_send(&message, handle, flags) < 0 {
            let error = ZMQError("send")
            zmq_msg_close(&message)
            throw error
        }
    }

    // MARK: Receiving

    /// Receives the next whole multipart message, or returns nil when none is waiting.
    public func receiveMultipart() throws(ZMQError) -> [Message]? {
        let handle = try live
        var frames: [Message] = []
        while true {
            let frame = Message()
            if zmq_msg_recv(frame.storage, handle, frames.isEmpty ? ZMQ_DONTWAIT : 0) < 0 {
                let error = ZMQError("receive")
                if error.wouldBlock && frames.isEmpty { return nil }
                throw error
            }
            frames.append(frame)
            if zmq_msg_more(frame.storage) == 0 { return frames }
        }
    }

    // MARK: Monitoring

    /// Starts publishing this socket's connection events on a PAIR socket at `endpoint`
    /// (an `inproc://` address); read them with `MonitorEvent.receive(from:)`.
    public func monitor(_ endpoint: String, events: MonitorEvent.Kind) throws(ZMQError) {
        if zmq_socket_monitor(try live, endpoint, events.rawValue) != 0 {
            throw ZMQError("socket_monitor \(endpoint)")
        }
    }
}
