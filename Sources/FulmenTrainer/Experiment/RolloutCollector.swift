import FulmenCore
import Foundation

/// Enqueues an experiment's rollouts and collects them as they settle, following the store's completions
/// cursor (a long poll) rather than asking about each rollout.
actor RolloutCollector {
    let store: any TrainerStore
    let experiment: ExperimentID
    /// The completions log position read so far.
    private var cursor: Int64 = 0
    /// Rollouts found settled when they were enqueued, or that settled while ``run(_:)`` waited for others.
    private var settled: [RolloutID: Rollout] = [:]

    init(store: any TrainerStore, experiment: ExperimentID) {
        self.store = store
        self.experiment = experiment
    }

    /// Enqueues rollouts (in batches the store takes).
    ///
    /// A rollout the store already holds settled (a resumed trainer asks again for what its previous life
    /// had enqueued) is answered by the next ``next()``: its completion may lie behind the cursor, read
    /// while nobody was waiting for it.
    func enqueue(_ requests: [RolloutRequest]) async throws {
        for batch in stride(from: 0, to: requests.count, by: 1000) {
            let receipts = try await store.enqueue(Array(requests[batch..<min(batch + 1000, requests.count)]))
            for receipt in receipts where !receipt.created && receipt.status.isFinal {
                settled[receipt.id] = try await store.rollout(receipt.id).rollout
            }
        }
    }

    /// The experiment's rollouts that settled since the last call: those already read, or else the next
    /// ones the completions log brings (a long poll).
    func next() async throws -> [Rollout] {
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
    func run(_ requests: [RolloutRequest]) async throws -> [RolloutID: Rollout] {
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
