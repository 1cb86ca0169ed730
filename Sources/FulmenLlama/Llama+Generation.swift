public import FulmenModel

/// The tokens one sequence feeds through a generation step: `count` tokens at positions `start ..< start + count`,
/// in rows `firstRow ..< firstRow + count`; `logitRow` is set when its last row's logits are sampled.
struct StepSegment {
    let sequence: Int
    let start: Int
    let count: Int
    let firstRow: Int
    let logitRow: Int?
}

extension Llama {
    /// The most rows (tokens) one generation step feeds through the model; longer prompts are prefilled in chunks
    /// of this many, beside the other sequences' decoding rows.
    public static let maximumRowsPerStep = 512

    /// Continues every request, batching them into shared forward passes over a paged key/value cache.
    ///
    /// Each step feeds every unfinished sequence's pending tokens (its prompt, in chunks of at most
    /// ``maximumRowsPerStep`` rows a step, then its last sampled token) through the model as one batch of rows, so
    /// prompts and continuations of different lengths share every matrix product; logits are computed only for
    /// the rows that sample. Each sequence samples from its own seeded stream, so its result does not depend on
    /// the batch. The cache blocks are taken as sequences grow and all given back when the call returns.
    /// - Throws: ``ModelError`` if a prompt is empty, does not fit the context, or holds an unknown token id, or
    ///   the requests need more cache blocks than ``maximumCacheBlocks``.
    public func generate(_ requests: [GenerationRequest]) throws(ModelError) -> [Generation] {
        for (i, request) in requests.enumerated() {
            if request.prompt.isEmpty { throw ModelError("generate: request \(i) has an empty prompt") }
            if request.prompt.count >= config.contextLength {
                throw ModelError(
                    "generate: request \(i) prompt has \(request.prompt.count) tokens; the context holds "
                        + "\(config.contextLength), leaving no room to generate")
            }
            if request.maxNewTokens < 0 { throw ModelError("generate: request \(i) has negative maxNewTokens") }
            try validate(tokens: request.prompt, what: "generate: request \(i) prompt")
        }
        if requests.isEmpty { return [] }
        let needed = requests.reduce(0) {
            $0 + (min(config.contextLength, $1.prompt.count + $1.maxNewTokens) + cacheBlockSize - 1) / cacheBlockSize
        }
        if let limit = maximumCacheBlocks, needed > limit {
            throw KVCacheError.outOfBlocks(needed: needed, free: limit, capacity: limit).modelError
        }
        let pool = reservePool(blocks: needed)
        var tables = [KVBlockTable](repeating: KVBlockTable(), count: requests.count)
        defer { for i in tables.indices { pool.release(&tables[i]) } }
        return try run(requests, tables: &tables, pool: pool)
    }

    /// The model's block pool, grown to at least `blocks` blocks.
    func reservePool(blocks: Int) -> KVBlockPool {
        let pool =
            cachePool
            ?? KVBlockPool(
                blockSize: cacheBlockSize, layerCount: config.layerCount, keyValueHeadCount: config.keyValueHeadCount,
                headSize: config.headSize, capacity: 0)
        cachePool = pool
        pool.grow(to: blocks)
        return pool
    }

    private func run(_ requests: [GenerationRequest], tables: inout [KVBlockTable], pool: KVBlockPool)
        throws(ModelError) -> [Generation]
    {
        struct Sequence {
            var tokens: [Int32]
            var cached = 0
            var sampler: Sampler
            var generation = Generation(tokens: [], logProbabilities: [], finishReason: .maxNewTokens)
            var finished = false
        }
        var sequences = requests.map {
            Sequence(
                tokens: $0.prompt, sampler: Sampler(parameters: $0.sampling, vocabularySize: config.vocabularySize))
        }
        for (i, request) in requests.enumerated() where request.maxNewTokens == 0 { sequences[i].finished = true }
        var tokens: [Int32] = []
        var positions: [Int] = []
        while true {
            // Decoding rows first, then prompt chunks, up to the step's row budget.
            var segments: [StepSegment] = []
            tokens.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            var samplers = 0
            for decoding in [true, false] {
                for (i, sequence) in sequences.enumerated() where !sequence.finished {
                    let pending = sequence.tokens.count - sequence.cached
                    guard (pending == 1) == decoding else { continue }
                    let count = min(pending, Self.maximumRowsPerStep - tokens.count)
                    if count == 0 { continue }
                    let samples = count == pending
                    segments.append(
                        StepSegment(
                            sequence: i, start: sequence.cached, count: count, firstRow: tokens.count,
                            logitRow: samples ? samplers : nil))
                    if samples { samplers += 1 }
                    tokens.append(contentsOf: sequence.tokens[sequence.cached..<(sequence.cached + count)])
                    positions.append(contentsOf: sequence.cached..<(sequence.cached + count))
                    do throws(KVCacheError) {
                        try pool.extend(&tables[i], to: sequence.cached + count)
                    } catch {
                        throw error.modelError
                    }
                }
            }
            if segments.isEmpty { break }
            let workspace = generationWorkspace(rows: tokens.count, segments: samplers)
            forwardStep(
                tokens: tokens, positions: positions, segments: segments, tables: tables, pool: pool,
                workspace: workspace)
            for segment in segments {
                let i = segment.sequence
                sequences[i].cached += segment.count
                guard let row = segment.logitRow else { continue }
                let request = requests[i]
                let (token, logProbability) = sequences[i].sampler.next(
                    logits: workspace.logits + row * config.vocabularySize)
                sequences[i].tokens.append(token)
                sequences[i].finished = sequences[i].generation.record(
                    token, logProbability: logProbability, for: request,
                    contextFull: sequences[i].tokens.count >= config.contextLength)
            }
        }
        return sequences.map(\.generation)
    }

    /// The generation workspace, grown to fit.
    func generationWorkspace(rows: Int, segments: Int) -> LlamaGenerationWorkspace {
        if let workspace = generationWorkspace, workspace.fits(rows: rows, segments: segments, workers: threadCount) {
            return workspace
        }
        let segmentCapacity = max(segments, 8, generationWorkspace?.segmentCapacity ?? 0)
        generationWorkspace = nil
        let grown = LlamaGenerationWorkspace(
            config: config, rows: max(rows, Self.maximumRowsPerStep), segments: segmentCapacity, workers: threadCount,
            blockSize: cacheBlockSize)
        generationWorkspace = grown
        return grown
    }
}

extension KVCacheError {
    /// The same error as the engine's family-independent ``ModelError``.
    public var modelError: ModelError { ModelError(description) }
}
