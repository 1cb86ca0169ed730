import CZeroMQ

/// Waits until any of a set of sockets or plain file descriptors is readable.
///
/// Sockets polled here must be confined to the polling thread. A socket shared with other
/// threads is polled through its `fileDescriptor` instead.
public struct Poller: ~Copyable {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket; returns its index for `isReadable(_:)`.
    @discardableResult
    public mutating func add(_ socket: Socket) throws(ZMQError) -> Int {
        items.append(zmq_pollitem_t(socket: try socket.live, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Adds a plain file descriptor; returns its index for `isReadable(_:)`.
    @discardableResult
    public mutating func add(fileDescriptor fd: Int32) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    public mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
    }

    /// Blocks the calling thread until something is readable or `timeoutMilliseconds` pass
    /// (-1: no limit). Returns the number of readable items; interrupted waits return 0.
    public mutating func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        let count = items.count
        let ready = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32(count), timeoutMilliseconds) }
        if ready < 0 {
            if zmq_errno() == EINTR { return 0 }
            throw ZMQError("poll")
        }
        return Int(ready)
    }

    public func isReadable(_ index: Int) -> Bool {
        items[index].revents & Int16(ZMQ_POLLIN) != 0
    }
}
