import Dispatch
import Glibc

/// SIGTERM and SIGINT, taken over from their default (ending the process) for as long as this value is
/// kept, so that a long-running process can stop cleanly: a runner pool drains, a trainer cancels its work.
public struct TerminationSignals: ~Copyable {
    private let sources: [any DispatchSourceSignal]

    /// Runs `action` (on a dispatch queue) each time SIGTERM or SIGINT arrives.
    public init(_ action: @escaping @Sendable () -> Void) {
        sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
