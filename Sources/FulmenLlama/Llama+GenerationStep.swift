import FulmenModel

extension Llama {
    /// One step of cached generation: feeds `tokens` (at `positions`) through the model, writing their keys and
    /// values into each segment's cache blocks (which ``KVBlockPool/extend(_:to:)`` has made room for), and
    /// leaves the logits of each sampling segment's last row in `workspace.logits`, at its `logitRow`.
    ///
    /// A step of at most four rows (up to four sequences decoding) reads the compact matrices when
    /// ``decodingWeights`` is `.compact`;
    /// every other step, and the norms, embeddings and attention always, the Float32 weights.
    func forwardStep(
        tokens: [Int32], positions: [Int], segments: [StepSegment], tables: [KVBlockTable], pool: KVBlockPool,
        workspace ws: LlamaGenerationWorkspace
    ) {
        let (c, f, w, q) = (config.embeddingSize, config.feedForwardSize, config.qkvWidth, config.queryWidth)
        let rows = tokens.count
        let p = UnsafePointer(parameters.base)
        let workers = threadCount
        let eps = config.rmsNormEpsilon
        let x = ws.residual
        adapters?.beginPass(rows: rows, training: false)
        for r in 0..<rows {
            (x + r * c).update(from: p + layout.tokenEmbedding + Int(tokens[r]) * c, count: c)
        }
        // Attention work items: (segment, query head), spread over the workers.
        let items = segments.indices.flatMap { s in (0..<config.headCount).map { (s, $0) } }
        // A short step's attention (one decoding row over a short context) costs less than waking a worker.
        let attentionWork = segments.reduce(0) { $0 + $1.count * ($1.start + $1.count) } * config.queryWidth
        let attentionWorkers = attentionWork < Projection.parallelThreshold ? 1 : min(workers, items.count)
        let compact = rows <= QuantizedProduct.maximumRows && decodingWeights == .compact ? compactWeights : nil
        /// `output (=|+=) input · Wᵀ` from the compact matrix when there is one, else from the Float32 weights.
        func project(
            _ output: FloatPointer, _ input: UnsafePointer<Float>, _ weight: Int, _ matrix: QuantizedMatrix?,
            inputSize: Int, outputSize: Int, accumulate: Bool
        ) {
            if let matrix {
                QuantizedProduct.forward(
                    output: output, input: input, weight: matrix, rows: rows, accumulate: accumulate, workers: workers)
            } else {
                Projection.forward(
                    output: output, input: input, weight: p + weight, rows: rows, inputSize: inputSize,
                    outputSize: outputSize, accumulate: accumulate, workers: workers)
            }
        }
        for (l, block) in layout.blocks.enumerated() {
            RMSNorm.forward(
                output: ws.norm, rstd: nil, input: x, weight: p + block.attentionNorm, rows: rows, channels: c,
                epsilon: eps)
            project(
                ws.qkv, ws.norm, block.qkv, compact?.blocks[l].qkv, inputSize: c, outputSize: w, accumulate: false)
            adapters?.forward(.qkv, layer: l, input: ws.norm, output: ws.qkv, rows: rows)
            for r in 0..<rows {
                rotary.rotate(ws.qkv + r * w, heads: config.headCount + config.keyValueHeadCount, position: positions[r])
            }
            for segment in segments {
                PagedAttention.store(
                    qkv: ws.qkv + segment.firstRow * w, width: w, queryWidth: q, table: tables[segment.sequence],
                    start: segment.start, count: segment.count, layer: l, pool: pool)
            }
            parallelFor(attentionWorkers) { worker in
                for item in stride(from: worker, to: items.count, by: attentionWorkers) {
                    let (s, h) = items[item]
                    let segment = segments[s]
                    let d = config.headSize
                    for r in 0..<segment.count {
                        let row = segment.firstRow + r
                        PagedAttention.attend(
                            output: ws.attention + row * q + h * d, query: ws.qkv + row * w + h * d,
                            table: tables[segment.sequence], visible: segment.start + r + 1, layer: l,
                            head: h / config.groupSize, pool: pool, scores: ws.scores[worker])
                    }
                }
            }
            project(
                x, ws.attention, block.attentionOutput, compact?.blocks[l].attentionOutput, inputSize: q,
                outputSize: c, accumulate: true)
            adapters?.forward(.attentionOutput, layer: l, input: ws.attention, output: x, rows: rows)
            RMSNorm.forward(
                output: ws.norm, rstd: nil, input: x, weight: p + block.feedForwardNorm, rows: rows, channels: c,
                epsilon: eps)
            project(
                ws.gateUp, ws.norm, block.gateUp, compact?.blocks[l].gateUp, inputSize: c, outputSize: 2 * f,
                accumulate: false)
            adapters?.forward(.gateUp, layer: l, input: ws.norm, output: ws.gateUp, rows: rows)
            SwiGLU.forward(hidden: ws.hidden, gateUp: ws.gateUp, rows: rows, width: f)
            project(
                x, ws.hidden, block.down, compact?.blocks[l].down, inputSize: f, outputSize: c, accumulate: true)
            adapters?.forward(.down, layer: l, input: ws.hidden, output: x, rows: rows)
        }
        var sampled = 0
        for segment in segments {
            guard let row = segment.logitRow else { continue }
            RMSNorm.forward(
                output: ws.lastNorm + row * c, rstd: nil, input: x + (segment.firstRow + segment.count - 1) * c,
                weight: p + layout.outputNorm, rows: 1, channels: c, epsilon: eps)
            sampled += 1
        }
        if sampled > 0, let compact {
            QuantizedProduct.forward(
                output: ws.logits, input: ws.lastNorm, weight: compact.output, rows: sampled, accumulate: false,
                workers: workers)
        } else if sampled > 0 {
            Projection.forward(
                output: ws.logits, input: ws.lastNorm, weight: p + layout.output, rows: sampled, inputSize: c,
                outputSize: config.vocabularySize, accumulate: false, workers: workers)
        }
    }
}
