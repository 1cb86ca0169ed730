extension RunnerPool {
    /// Runs the pool until SIGTERM or SIGINT arrives, then shuts it down gracefully: no new claims, running
    /// episodes get the configured grace period, the rest are handed back.
    public nonisolated func runUntilSignalled() async throws {
        let signals = TerminationSignals { Task { await self.shutdown() } }
        try await run()
        _ = consume signals
    }
}
