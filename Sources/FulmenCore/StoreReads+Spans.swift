extension StoreReads {
    /// Every span of a rollout's attempts (by default its latest), reading page after page.
    public nonisolated func allSpans(
        of rollout: RolloutID, attempts: SpanQuery.Attempts = .latest
    ) async throws -> [StoredSpan] {
        var spans: [StoredSpan] = []
        var page = PageRequest(limit: 1000)
        while true {
            let result = try await self.spans(SpanQuery(rollout: rollout, attempts: attempts, page: page))
            spans += result.items
            guard let next = result.next else { return spans }
            page.after = next
        }
    }
}
