import FulmenCore
import FulmenModel
import FulmenPolicy
import Synchronization
import Tokenizers

/// A policy model loaded from one weights version.
///
/// `@unchecked Sendable`: a `ServedPolicy` wraps a mutable model. After the scheduler's queue creates it, only
/// that serial queue calls into it, so no two threads ever touch it at once; everyone else reads only its
/// immutable properties (the tokenizer, names, context length).
final class LoadedModel: @unchecked Sendable {
    let policy: ServedPolicy
    /// The most tokens a prompt and its continuation may hold.
    let contextLength: Int

    init(policy: ServedPolicy) {
        self.policy = policy
        self.contextLength = policy.contextLength
    }

    /// The model's tokenizer.
    var tokenizer: any TextTokenizer { policy.tokenizer }
}

/// A generation and how long it waited for its batch.
struct ScheduledGeneration: Sendable {
    let generation: Generation
    let queueSeconds: Double
}

/// Runs model calls on one serial dispatch queue, off Swift's cooperative pool, batching the calls that wait
/// while a batch runs into the next one: with K episodes sampling at once, K calls share each forward pass.
final class InferenceScheduler: Sendable {
    private struct Job {
        let model: LoadedModel
        let request: GenerationRequest
        let enqueued: ContinuousClock.Instant
        let continuation: CheckedContinuation<ScheduledGeneration, any Error>
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
        var statistics = InferenceStatistics()
    }

    private let queue = ComputeQueue(label: "fulmen.inference")
    private let state = Mutex(State())
    private let maxBatch: Int

    init(maxBatch: Int) {
        self.maxBatch = max(1, maxBatch)
    }

    var statistics: InferenceStatistics { state.withLock { $0.statistics } }

    /// Runs `request` on `model` in the next batch.
    func generate(_ request: GenerationRequest, on model: LoadedModel) async throws -> ScheduledGeneration {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(model: model, request: request, enqueued: .now, continuation: continuation)
            let startDrain = state.withLock { state in
                state.pending.append(job)
                defer { state.draining = true }
                return !state.draining
            }
            if startDrain { queue.submit { self.drain() } }
        }
    }

    /// Runs `body` on the inference queue, between batches: for work that must not share a thread with
    /// generation, like loading a model.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await queue.run(body)
    }

    /// Takes batches until none is waiting.
    private func drain() {
        while let batch = nextBatch() {
            run(batch)
        }
    }

    /// The oldest waiting calls on one model, up to `maxBatch`; `nil` (and the drain ends) when none wait.
    private func nextBatch() -> [Job]? {
        state.withLock { state in
            guard let first = state.pending.first else {
                state.draining = false
                return nil
            }
            var batch: [Job] = []
            var rest: [Job] = []
            for job in state.pending {
                if batch.count < maxBatch && job.model === first.model { batch.append(job) } else { rest.append(job) }
            }
            state.pending = rest
            return batch
        }
    }

    private func run(_ batch: [Job]) {
        let started = ContinuousClock.now
        let policy = batch[0].model.policy
        let result = Result { () throws(ModelError) in try policy.generate(batch.map(\.request)) }
        let elapsed = (ContinuousClock.now - started).inSeconds
        state.withLock { state in
            state.statistics.batches += 1
            state.statistics.calls += batch.count
            state.statistics.busySeconds += elapsed
            state.statistics.largestBatch = max(state.statistics.largestBatch, batch.count)
        }
        switch result {
        case .success(let generations):
            for (job, generation) in zip(batch, generations) {
                let waited = (started - job.enqueued).inSeconds
                job.continuation.resume(returning: ScheduledGeneration(generation: generation, queueSeconds: waited))
            }
        case .failure where batch.count > 1:
            // One bad request (e.g. a prompt too long) fails the whole batch: run each alone so only it fails.
            for job in batch { run([job]) }
        case .failure(let error):
            batch[0].continuation.resume(throwing: EpisodeError.model(error.message))
        }
    }
}

/// What a pool's model has done.
public struct InferenceStatistics: Sendable, Hashable {
    /// Forward-pass batches run, and the model calls they held.
    public var batches = 0
    public var calls = 0
    public var largestBatch = 0
    /// Seconds spent generating.
    public var busySeconds = 0.0

    public init() {}

    /// Calls per batch, on average.
    public var meanBatch: Double { batches == 0 ? 0 : Double(calls) / Double(batches) }
}
