import Glibc

/// Waits until any of a set of file descriptors is readable: sockets' `fileDescriptor`s and
/// `WakeupSignal`s.
///
/// A socket's descriptor only tells of input that arrived after the socket was last used, so
/// read a socket until it has nothing left (or check `Socket.canReceive`) before polling it
/// again. This is a plain `poll(2)`: `zmq_poll` makes an extra non-blocking pass, and a system
/// call per socket, every time.
public struct Poller: ~Copyable {
    private var items: [pollfd] = []

    public init() {}

    /// Adds a file descriptor (a negative one is never readable); returns its index for
    /// `isReadable(_:)`.
    @discardableResult
    public mutating func add(fileDescriptor fd: Int32) -> Int {
        items.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        return items.count - 1
    }

    public mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
    }

    /// Blocks the calling thread until something is readable or `timeoutMilliseconds` pass
    /// (-1: no limit). Returns the number of readable items; interrupted waits return 0.
    public mutating func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        let count = items.count
        let ready = items.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t(count), Int32(timeoutMilliseconds)) }
        if ready < 0 {
            if errno == EINTR {
                for index in items.indices { items[index].revents = 0 }
                return 0
            }
            throw ZMQError("poll", code: errno)
        }
        return Int(ready)
    }

    public func isReadable(_ index: Int) -> Bool {
        items[index].revents & Int16(POLLIN) != 0
    }
}
