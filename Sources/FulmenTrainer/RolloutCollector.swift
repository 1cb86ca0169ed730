import FulmenCore
import Foundation

/// Enqueues an experiment's rollouts and collects them as they settle, following the store's completions
/// cursor (a long poll) rather than asking about each rollout.
struct RolloutCollector {
    let store: any Store
    let experiment: ExperimentID
    /// The completions log position read so far.
    private(set) var cursor: Int64 = 0
    /// Rollouts that settled before anyone waited for them.
    private var settled: [RolloutID: Rollout] = [:]

    init(store: any Store, experiment: ExperimentID) {
        self.store = store
        self.experiment = experiment
    }

    /// Enqueues `requests` and waits until every one of them has settled; answers them by id.
    mutating func run(_ requests: [RolloutRequest]) async throws -> [RolloutID: Rollout] {
        var waiting: Set<RolloutID> = []
        for batch in stride(from: 0, to: requests.count, by: 1000) {
            let receipts = try await store.enqueue(Array(requests[batch..<min(batch + 1000, requests.count)]))
            waiting.formUnion(receipts.map(\.id))
        }
        var result: [RolloutID: Rollout] = [:]
        for id in waiting {
            if let rollout = settled.removeValue(forKey: id) { result[id] = rollout }
        }
        waiting.subtract(result.keys)
        while !waiting.isEmpty {
            try Task.checkCancellation()
            let batch = try await store.completions(
                CompletionsRequest(after: cursor, experiment: experiment, limit: 1000, wait: .seconds(5)))
            for completion in batch.completions {
                cursor = max(cursor, completion.position)
                let rollout = completion.rollout
                if waiting.remove(rollout.id) != nil { result[rollout.id] = rollout } else { settled[rollout.id] = rollout }
            }
        }
        return result
    }

    /// The spans of a rollout's latest attempt, every page.
    func spans(of rollout: RolloutID) async throws -> [StoredSpan] {
        var spans: [StoredSpan] = []
        var page = PageRequest(limit: 1000)
        while true {
            let result = try await store.spans(SpanQuery(rollout: rollout, attempts: .latest, page: page))
            spans += result.items
            guard let next = result.next else { return spans }
            page.after = next
        }
    }
}
