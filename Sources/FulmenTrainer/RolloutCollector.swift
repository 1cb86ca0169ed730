import FulmenCore
import Foundation

/// Enqueues an experiment's rollouts and collects them as they settle, following the store's completions
/// cursor (a long poll) rather than asking about each rollout.
struct RolloutCollector {
    let store: any Store
    let experiment: ExperimentID
    /// The completions log position read so far.
    private var cursor: Int64 = 0
    /// Rollouts that settled before anyone waited for them.
    private var settled: [RolloutID: Rollout] = [:]

    init(store: any Store, experiment: ExperimentID) {
        self.store = store
        self.experiment = experiment
    }

    /// Enqueues rollouts (in batches the store takes).
    func enqueue(_ requests: [RolloutRequest]) async throws {
        for batch in stride(from: 0, to: requests.count, by: 1000) {
            _ = try await store.enqueue(Array(requests[batch..<min(batch + 1000, requests.count)]))
        }
    }

    /// The experiment's rollouts that settled since the last call: those already read, or else the next
    /// ones the completions log brings (a long poll).
    mutating func next() async throws -> [Rollout] {
        if !settled.isEmpty {
            defer { settled.removeAll() }
            return Array(settled.values)
        }
        while true {
            try Task.checkCancellation()
            let batch = try await store.completions(
                CompletionsRequest(after: cursor, experiment: experiment, limit: 1000, wait: .seconds(5)))
            cursor = max(cursor, batch.cursor)
            if !batch.completions.isEmpty { return batch.completions.map(\.rollout) }
        }
    }

    /// Enqueues `requests` and waits until every one of them has settled; answers them by id. Other rollouts
    /// of the experiment that settle meanwhile are kept for ``next()``.
    mutating func run(_ requests: [RolloutRequest]) async throws -> [RolloutID: Rollout] {
        try await enqueue(requests)
        var waiting = Set(requests.compactMap(\.id))
        var result: [RolloutID: Rollout] = [:]
        var others: [RolloutID: Rollout] = [:]
        while !waiting.isEmpty {
            for rollout in try await next() {
                if waiting.remove(rollout.id) != nil { result[rollout.id] = rollout } else { others[rollout.id] = rollout }
            }
        }
        settled.merge(others) { $1 }
        return result
    }
}
