import CZeroMQ
import Glibc

/// A Linux eventfd that any thread can signal to wake a thread blocked in `Poller.poll`.
///
/// Signals coalesce: several `signal()` calls before the poller drains it wake it once.
public final class WakeupSignal: Sendable {
    /// The eventfd; written and read with thread-safe syscalls only, closed on deinit.
    public let fileDescriptor: Int32

    public init() throws(ZMQError) {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError("eventfd", code: errno) }
        fileDescriptor = fd
    }

    deinit {
        Glibc.close(fileDescriptor)
    }

    /// Wakes the polling thread.
    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fileDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// Resets the signal; called by the polling thread after it woke.
    public func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(fileDescriptor, &value, MemoryLayout<UInt64>.size)
    }
}
