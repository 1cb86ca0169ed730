import CZeroMQ

/// A libzmq context: owns libzmq's I/O threads and creates sockets.
///
/// Contexts are thread-safe in libzmq, so one context is shared by every thread of a node.
/// Close every socket before the context goes away: libzmq's termination waits for them.
public final class Context: Sendable {
    // `zmq_ctx_*` functions are documented as thread-safe; the pointer is never reassigned.
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` libzmq I/O threads (one is plenty below a few GB/s).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        self.handle = handle
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            let error = ZMQError("zmq_ctx_set(ZMQ_IO_THREADS)")
            zmq_ctx_term(handle)
            throw error
        }
        // Our own code never relies on libzmq's per-context socket limit.
        zmq_ctx_set(handle, ZMQ_MAX_SOCKETS, 65_536)
    }

    deinit {
        zmq_ctx_term(handle)
    }
}
