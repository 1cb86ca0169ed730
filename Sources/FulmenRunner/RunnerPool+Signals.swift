import Dispatch
import Glibc

extension RunnerPool {
    /// Runs the pool until SIGTERM or SIGINT arrives, then shuts it down gracefully: no new claims, running
    /// episodes get the configured grace period, the rest are handed back.
    public nonisolated func runUntilSignalled() async throws {
        let sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { Task { await self.shutdown() } }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
        }
        try await run()
    }
}
