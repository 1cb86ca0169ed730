import FulmenCore
import FulmenModel
import FulmenPolicy
import Foundation

/// The pool's policy model: weights fetched by version from the store when not cached, and a scheduler that
/// batches the model calls of concurrent episodes.
final class PolicyEngine: Sendable {
    private let scheduler: InferenceScheduler
    private let weights: WeightsCache

    /// - Parameter fetch: reads a resource's content from the store by its hash.
    init(settings: InferenceSettings, fetch: @escaping @Sendable (String) async throws -> Data) {
        let scheduler = InferenceScheduler(maxBatch: settings.batching ? settings.maxBatch : 1)
        self.scheduler = scheduler
        self.weights = WeightsCache(
            capacity: settings.cachedVersions, threads: settings.threads, scheduler: scheduler, fetch: fetch)
    }

    /// The model of the weights `descriptor` names, loaded (or fetched and loaded) on first use.
    func model(for descriptor: ResourceDescriptor) async throws -> LoadedModel {
        try await weights.model(for: descriptor)
    }

    func generate(_ request: GenerationRequest, on model: LoadedModel) async throws -> ScheduledGeneration {
        if request.prompt.count >= model.contextLength {
            throw EpisodeError.promptTooLong(tokens: request.prompt.count, contextLength: model.contextLength)
        }
        try Task.checkCancellation()
        return try await scheduler.generate(request, on: model)
    }

    var inferenceStatistics: InferenceStatistics { scheduler.statistics }

    /// How many times weights were fetched from the store.
    var weightFetches: Int { get async { await weights.fetches } }
}

/// Loaded models by weights hash, the most recently used kept. Concurrent episodes asking for the same
/// version share one fetch.
actor WeightsCache {
    private var models: [String: Task<LoadedModel, any Error>] = [:]
    /// Hashes, least recently used first.
    private var recency: [String] = []
    private(set) var fetches = 0
    private let capacity: Int
    private let loader: SharedPolicyLoader
    private let scheduler: InferenceScheduler
    private let fetch: @Sendable (String) async throws -> Data

    init(
        capacity: Int, threads: Int, scheduler: InferenceScheduler,
        fetch: @escaping @Sendable (String) async throws -> Data
    ) {
        self.capacity = max(1, capacity)
        self.loader = SharedPolicyLoader(PolicyLoader(threads: threads))
        self.scheduler = scheduler
        self.fetch = fetch
    }

    func model(for descriptor: ResourceDescriptor) async throws -> LoadedModel {
        let hash = descriptor.hash
        recency.removeAll { $0 == hash }
        recency.append(hash)
        if let loading = models[hash] { return try await loading.value }
        fetches += 1
        let (fetch, scheduler, loader) = (self.fetch, self.scheduler, self.loader)
        let loading = Task {
            let data = try await fetch(hash)
            return try await scheduler.perform {
                do {
                    return LoadedModel(policy: try loader.loader.load(weights: [UInt8](data)))
                } catch {
                    throw EpisodeError.invalidResource(
                        name: ResourceName.policy, reason: "weights \(hash.prefix(12)) do not load: \(error)")
                }
            }
        }
        models[hash] = loading
        while recency.count > capacity {
            models[recency.removeFirst()] = nil
        }
        do {
            return try await loading.value
        } catch {
            if models[hash].map({ $0 == loading }) == true { models[hash] = nil }
            throw error
        }
    }
}

/// The pool's ``PolicyLoader``, which keeps each pretrained base model once for every weights version on it.
///
/// `@unchecked Sendable`: the loader is a mutable class, but it is only ever called inside
/// ``InferenceScheduler/perform(_:)``, on the scheduler's serial queue, so no two threads touch it at once.
final class SharedPolicyLoader: @unchecked Sendable {
    let loader: PolicyLoader

    init(_ loader: PolicyLoader) {
        self.loader = loader
    }
}
