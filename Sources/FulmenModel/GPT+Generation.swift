import Foundation

/// The rows one sequence adds to a generation step: `count` tokens at positions `start ..< start + count`.
struct Segment {
    let slot: Int
    let start: Int
    let count: Int
    let firstRow: Int
}

extension GPT {
    /// Continues every request, batching them into shared forward passes with a key/value cache.
    ///
    /// Each step feeds every unfinished sequence's pending tokens (its whole prompt at first, then its last
    /// token) through the model as one batch of rows, so prompts and continuations of different lengths share
    /// every matrix product; finished sequences drop out. The requests are split over up to ``threadCount``
    /// workers. Each sequence samples from its own seeded stream, so its result does not depend on the batch.
    /// - Throws: ``ModelError`` if a prompt is empty, does not fit the context, or holds an unknown token id.
    public func generate(_ requests: [GenerationRequest]) throws(ModelError) -> [Generation] {
        for (i, request) in requests.enumerated() {
            if request.prompt.isEmpty { throw ModelError("generate: request \(i) has an empty prompt") }
            if request.prompt.count >= config.contextLength {
                throw ModelError(
                    "generate: request \(i) prompt has \(request.prompt.count) tokens; the context holds "
                        + "\(config.contextLength), leaving no room to generate")
            }
            if request.maxNewTokens < 0 { throw ModelError("generate: request \(i) has negative maxNewTokens") }
            try validate(tokens: request.prompt)
        }
        if requests.isEmpty { return [] }
        let workers = min(threadCount, requests.count)
        while generationWorkspaces.count < workers { generationWorkspaces.append(GenerationWorkspace()) }
        let weights = inferenceWeights()
        var results = [Generation?](repeating: nil, count: requests.count)
        results.withUnsafeMutableBufferPointer { results in
            parallelFor(workers) { w in
                let indices = Array(stride(from: w, to: requests.count, by: workers))
                let generations = generate(
                    indices.map { requests[$0] }, weights: weights, workspace: generationWorkspaces[w])
                for (i, generation) in zip(indices, generations) { results[i] = generation }
            }
        }
        return results.map { $0! }
    }

    private func generate(
        _ requests: [GenerationRequest], weights: InferenceWeights, workspace: GenerationWorkspace
    ) -> [Generation] {
        struct Sequence {
            var tokens: [Int32]
            var cached = 0
            var sampler: Sampler
            var generation = Generation(tokens: [], logProbabilities: [], finishReason: .maxNewTokens)
            var finished = false
        }
        let longest = min(config.contextLength, requests.map { $0.prompt.count + $0.maxNewTokens }.max() ?? 1)
        let slotLength = (longest + 7) / 8 * 8
        let promptRows = requests.reduce(0) { $0 + $1.prompt.count }
        workspace.reserve(
            config: config, slots: requests.count, slotLength: slotLength, rows: max(promptRows, requests.count))
        var sequences = requests.map {
            Sequence(
                tokens: $0.prompt, sampler: Sampler(parameters: $0.sampling, vocabularySize: config.vocabularySize))
        }
        for (i, request) in requests.enumerated() where request.maxNewTokens == 0 {
            sequences[i].finished = true
        }
        var tokens: [Int32] = []
        var positions: [Int] = []
        while true {
            var segments: [Segment] = []
            var owners: [Int] = []
            tokens.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            for (i, sequence) in sequences.enumerated() where !sequence.finished {
                let pending = sequence.tokens.count - sequence.cached
                segments.append(Segment(slot: i, start: sequence.cached, count: pending, firstRow: tokens.count))
                owners.append(i)
                tokens.append(contentsOf: sequence.tokens[sequence.cached...])
                positions.append(contentsOf: sequence.cached..<sequence.tokens.count)
            }
            if segments.isEmpty { break }
            forward(tokens: tokens, positions: positions, segments: segments, weights: weights, workspace: workspace)
            let logits = workspace.logits(config: config)
            for (s, i) in owners.enumerated() {
                let request = requests[i]
                sequences[i].cached = sequences[i].tokens.count
                let (token, logProbability) = sequences[i].sampler.next(logits: logits + s * config.vocabularySize)
                sequences[i].tokens.append(token)
                sequences[i].finished = sequences[i].generation.record(
                    token, logProbability: logProbability, for: request,
                    contextFull: sequences[i].tokens.count >= min(config.contextLength, slotLength))
            }
        }
        return sequences.map(\.generation)
    }

    /// The transposed weight copies for generation, rebuilt if the parameters changed since they were made.
    func inferenceWeights() -> InferenceWeights {
        if let cached = cachedInferenceWeights, cached.version == parameterVersion { return cached }
        cachedInferenceWeights = nil
        let weights = InferenceWeights(
            layout: layout, config: config, parameters: parameters.base, version: parameterVersion)
        cachedInferenceWeights = weights
        return weights
    }

    /// One step of cached generation: feeds `tokens` (at `positions`) through the model, appending their keys and
    /// values to each segment's slot, and leaves the logits of each segment's last row in the workspace.
    func forward(
        tokens: [Int32], positions: [Int], segments: [Segment], weights: InferenceWeights,
        workspace ws: GenerationWorkspace
    ) {
        let c = config.embeddingSize
        let rows = tokens.count
        let p = UnsafePointer(parameters.base)
        let w = UnsafePointer(weights.buffer.base)
        let x = ws.residual
        for r in 0..<rows {
            let w = p + layout.tokenEmbedding + Int(tokens[r]) * c
            let e = p + layout.positionEmbedding + positions[r] * c
            for i in 0..<c { x[r * c + i] = w[i] + e[i] }
        }
        for (l, block) in layout.blocks.enumerated() {
            LayerNorm.forward(
                output: ws.norm, mean: nil, rstd: nil, input: x, weight: p + block.ln1Weight, bias: p + block.ln1Bias,
                rows: rows, channels: c)
            Linear.forwardTransposed(
                output: ws.qkv, input: ws.norm, transposedWeight: w + weights.blocks[l].qkv, bias: p + block.qkvBias,
                rows: rows, inputSize: c, outputSize: 3 * c, accumulate: false)
            for segment in segments {
                cachedAttention(segment: segment, layer: l, workspace: ws)
            }
            Linear.forwardTransposed(
                output: x, input: ws.attention, transposedWeight: w + weights.blocks[l].proj, bias: p + block.projBias,
                rows: rows, inputSize: c, outputSize: c, accumulate: true)
            LayerNorm.forward(
                output: ws.norm, mean: nil, rstd: nil, input: x, weight: p + block.ln2Weight, bias: p + block.ln2Bias,
                rows: rows, channels: c)
            Linear.forwardTransposed(
                output: ws.hidden, input: ws.norm, transposedWeight: w + weights.blocks[l].fc1, bias: p + block.fc1Bias,
                rows: rows, inputSize: c, outputSize: 4 * c, accumulate: false)
            GELU.forward(output: ws.hidden, input: ws.hidden, count: rows * 4 * c)
            Linear.forwardTransposed(
                output: x, input: ws.hidden, transposedWeight: w + weights.blocks[l].fc2, bias: p + block.fc2Bias,
                rows: rows, inputSize: 4 * c, outputSize: c, accumulate: true)
        }
        let last = ws.lastNorm(config: config)
        for (s, segment) in segments.enumerated() {
            LayerNorm.forward(
                output: last + s * c, mean: nil, rstd: nil, input: x + (segment.firstRow + segment.count - 1) * c,
                weight: p + layout.finalNormWeight, bias: p + layout.finalNormBias, rows: 1, channels: c)
        }
        Linear.forwardTransposed(
            output: ws.logits(config: config), input: last, transposedWeight: w + weights.lmHead, bias: nil,
            rows: segments.count, inputSize: c, outputSize: config.vocabularySize, accumulate: false)
    }

    /// Stores a segment's keys and values in its cache slot and attends from its rows to every cached position
    /// up to their own.
    ///
    /// Per slot, layer and head the cache holds values as (N, D) and keys in blocks of eight positions, (N/8, D, 8):
    /// a query scores eight positions per vector operation while reading the keys sequentially, and sums the values
    /// with the head's output held in registers.
    private func cachedAttention(segment: Segment, layer: Int, workspace ws: GenerationWorkspace) {
        let c = config.embeddingSize
        let d = config.headSize
        let n = ws.slotLength
        let scale = 1 / Float(d).squareRoot()
        let qkv = ws.qkv + segment.firstRow * 3 * c
        let output = ws.attention + segment.firstRow * c
        let scores = ws.scores
        for h in 0..<config.headCount {
            let keys = ws.keys(slot: segment.slot, layer: layer, config: config) + h * n * d
            let values = ws.values(slot: segment.slot, layer: layer, config: config) + h * n * d
            for r in 0..<segment.count {
                let position = segment.start + r
                let k = qkv + r * 3 * c + c + h * d
                let block = keys + (position / 8) * 8 * d + position % 8
                for i in 0..<d { block[8 * i] = k[i] }
                (values + position * d).update(from: qkv + r * 3 * c + 2 * c + h * d, count: d)
            }
            for r in 0..<segment.count {
                let visible = segment.start + r + 1
                Self.score(
                    scores: scores, query: qkv + r * 3 * c + h * d, keys: keys, visible: visible, size: d, scale: scale)
                let m = VectorMath.max(scores, visible)
                let inverse = 1 / VectorMath.expShiftedSum(scores, visible, shift: m)
                Self.weightedValues(
                    output: output + r * c + h * d, weights: scores, values: values, visible: visible, size: d,
                    scale: inverse)
            }
        }
    }

    /// `scores[j] = scale · query · key[j]` for `j < visible`, with keys in blocks of eight positions (N/8, D, 8).
    private static func score(
        scores: FloatPointer, query: UnsafePointer<Float>, keys: UnsafePointer<Float>, visible: Int, size d: Int,
        scale: Float
    ) {
        var j = 0
        while j < visible {
            let block = keys + j * d
            var acc = VectorMath.Vector()
            for i in 0..<d { acc += query[i] * VectorMath.load(block + 8 * i) }
            acc *= scale
            if j + 8 <= visible {
                VectorMath.store(acc, scores + j)
            } else {
                VectorMath.storePartial(acc, scores + j, visible - j)
            }
            j += 8
        }
    }

    /// `output[i] = scale · Σ_j weights[j] · values[j·size + i]`, keeping the output in registers when the head
    /// size is a multiple of 32.
    private static func weightedValues(
        output: FloatPointer, weights: UnsafePointer<Float>, values: UnsafePointer<Float>, visible: Int, size d: Int,
        scale: Float
    ) {
        if d % 32 == 0 {
            for base in stride(from: 0, to: d, by: 32) {
                var a0 = VectorMath.Vector()
                var a1 = VectorMath.Vector()
                var a2 = VectorMath.Vector()
                var a3 = VectorMath.Vector()
                for j in 0..<visible {
                    let w = weights[j]
                    let v = values + j * d + base
                    a0 += w * VectorMath.load(v)
                    a1 += w * VectorMath.load(v + 8)
                    a2 += w * VectorMath.load(v + 16)
                    a3 += w * VectorMath.load(v + 24)
                }
                VectorMath.store(a0 * scale, output + base)
                VectorMath.store(a1 * scale, output + base + 8)
                VectorMath.store(a2 * scale, output + base + 16)
                VectorMath.store(a3 * scale, output + base + 24)
            }
        } else {
            output.update(repeating: 0, count: d)
            for j in 0..<visible { VectorMath.addScaled(output, values + j * d, weights[j] * scale, d) }
        }
    }
}
