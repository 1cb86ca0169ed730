import CZeroMQ
import Glibc
import Synchronization

/// A Linux eventfd that any thread can signal to wake a thread blocked in `Poller.poll`.
///
/// Signals coalesce: several `signal()` calls before the poller drains it wake it once. The
/// polling thread may also announce that it is about to wait (`prepareToWait()`), so that
/// `signalIfWaiting()` costs no system call while it is awake.
public final class WakeupSignal: Sendable {
    /// The eventfd; written and read with thread-safe syscalls only, closed on deinit.
    public let fileDescriptor: Int32
    private let waiting = Atomic<Bool>(false)

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

    /// Announces that the polling thread will wait. It must look for work once more after
    /// this and before `poll`: the exchange in `signalIfWaiting()` pairs with this store, so
    /// either that look sees the work or the signaller sees the thread waiting.
    public func prepareToWait() {
        waiting.store(true, ordering: .sequentiallyConsistent)
    }

    /// Announces that the polling thread is awake again (it returned from `poll`).
    public func stopWaiting() {
        waiting.store(false, ordering: .sequentiallyConsistent)
    }

    /// Wakes the polling thread if it announced it will wait and has not woken since.
    public func signalIfWaiting() {
        if waiting.exchange(false, ordering: .sequentiallyConsistent) { signal() }
    }

    /// Resets the signal; called by the polling thread after its descriptor signalled.
    public func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(fileDescriptor, &value, MemoryLayout<UInt64>.size)
    }
}
