public import FulmenModel

extension Llama {
    /// Runs the forward and backward pass on `batch` and adds the gradient of its loss to the model's gradients.
    ///
    /// Call ``zeroGradients()`` before the first micro-batch of a step; calls accumulate.
    /// - Returns: The batch's loss, `Σ weight · −log p(target)`.
    /// - Throws: ``ModelError`` if the batch is longer than the context or holds an unknown token id.
    @discardableResult
    public func accumulateGradients(for batch: TrainingBatch) throws(ModelError) -> Float {
        try run(batch, gradient: true).loss
    }

    /// The loss of `batch` without touching the gradients.
    ///
    /// - Throws: ``ModelError`` if the batch is longer than the context or holds an unknown token id.
    public func loss(for batch: TrainingBatch) throws(ModelError) -> Float {
        try run(batch, gradient: false).loss
    }

    /// The log-probability the model gives each token of each sequence after the first, given the tokens before
    /// it: `result[b][t] = log p(sequences[b][t + 1] | sequences[b][0 ... t])`, the untempered distribution that
    /// ``Generation/logProbabilities`` records.
    ///
    /// - Throws: ``ModelError`` if a sequence is shorter than 2, longer than the context, or holds an unknown id.
    public func logProbabilities(of sequences: [[Int32]]) throws(ModelError) -> [[Float]] {
        let batch = try TrainingBatch(
            sequences: sequences, targetWeights: sequences.map { [Float](repeating: 0, count: max(0, $0.count - 1)) })
        let flat = try run(batch, gradient: false).logProbabilities
        return sequences.enumerated().map { b, sequence in
            Array(flat[(b * batch.length)..<(b * batch.length + sequence.count - 1)])
        }
    }

    /// The logits of every position of one sequence, (T, V) row-major: the plain forward pass.
    ///
    /// - Throws: ``ModelError`` if the sequence is empty, longer than the context, or holds an unknown id.
    public func logits(for tokens: [Int32]) throws(ModelError) -> Tensor {
        guard !tokens.isEmpty else { throw ModelError("Llama.logits: empty sequence") }
        try validate(tokens: tokens, what: "Llama.logits: the sequence")
        let (t, c, v) = (tokens.count, config.embeddingSize, config.vocabularySize)
        let a = activations(rows: t, length: t)
        adapters?.beginPass(rows: t, training: false)
        tokens.withUnsafeBufferPointer { forwardBlocks(a, inputs: $0.baseAddress!, batch: 1, length: t) }
        var logits = [Float](repeating: 0, count: t * v)
        logits.withUnsafeMutableBufferPointer { logits in
            Projection.forward(
                output: logits.baseAddress!, input: a.outputNorm, weight: parameters.base + layout.output, rows: t,
                inputSize: c, outputSize: v, accumulate: false, workers: threadCount)
        }
        return Tensor(shape: [t, v], scalars: logits)
    }

    /// The training activations, grown to fit.
    func activations(rows: Int, length: Int) -> LlamaActivations {
        if let activations, activations.fits(rows: rows, length: length, workers: threadCount) { return activations }
        let grown = LlamaActivations(
            config: config, rows: max(rows, activations?.rowCapacity ?? 0),
            length: max(length, activations?.lengthCapacity ?? 0), workers: threadCount)
        activations = nil
        activations = grown
        return grown
    }

    private func run(_ batch: TrainingBatch, gradient: Bool) throws(ModelError) -> (
        loss: Float, logProbabilities: [Float]
    ) {
        if batch.length > config.contextLength {
            throw ModelError("batch length \(batch.length) exceeds the context length \(config.contextLength)")
        }
        for (what, tokens) in [("input", batch.inputs), ("target", batch.targets)] {
            if let index = tokens.firstIndex(where: { $0 < 0 || Int($0) >= config.vocabularySize }) {
                throw ModelError(
                    "batch \(what) token id \(tokens[index]) (sequence \(index / batch.length), position "
                        + "\(index % batch.length)) is outside the vocabulary 0..<\(config.vocabularySize)")
            }
        }
        let (b, t, c) = (batch.sequenceCount, batch.length, config.embeddingSize)
        let rows = b * t
        let a = activations(rows: rows, length: t)
        adapters?.beginPass(rows: rows, training: gradient)
        // With adapters attached the base is frozen: no gradient buffer for it, and no weight gradients.
        let g = gradient && adapters == nil ? gradients.base : nil
        var loss = 0.0
        batch.inputs.withUnsafeBufferPointer { inputs in
            batch.targets.withUnsafeBufferPointer { targets in
                batch.weights.withUnsafeBufferPointer { weights in
                    forwardBlocks(a, inputs: inputs.baseAddress!, batch: b, length: t)
                    loss = LanguageModelHead.loss(
                        input: a.outputNorm, weight: parameters.base + layout.output, targets: targets.baseAddress!,
                        weights: weights.baseAddress!, targetLogProbabilities: a.targetLogProbabilities,
                        logits: a.headLogits, rows: rows, channels: c, vocabulary: config.vocabularySize,
                        workers: threadCount, gradient: gradient ? (a.normGradient, g.map { $0 + layout.output }) : nil)
                    if gradient { backward(a, gradients: g, inputs: inputs.baseAddress!, batch: b, length: t) }
                }
            }
        }
        return (Float(loss), Array(UnsafeBufferPointer(start: a.targetLogProbabilities, count: rows)))
    }

    /// The forward pass through the blocks and the final norm over `batch` sequences of `length` tokens, keeping
    /// every activation the backward pass needs; leaves the normed last hidden states in `a.outputNorm`.
    func forwardBlocks(_ a: LlamaActivations, inputs: UnsafePointer<Int32>, batch: Int, length: Int) {
        let (c, f, w) = (config.embeddingSize, config.feedForwardSize, config.qkvWidth)
        let rows = batch * length
        let p = UnsafePointer(parameters.base)
        let workers = threadCount
        let eps = config.rmsNormEpsilon
        for r in 0..<rows {
            (a.residuals[0] + r * c).update(from: p + layout.tokenEmbedding + Int(inputs[r]) * c, count: c)
        }
        let shape = GroupedQueryAttention.Shape(
            batch: batch, length: length, heads: config.headCount, keyValueHeads: config.keyValueHeadCount,
            headSize: config.headSize)
        for (l, block) in layout.blocks.enumerated() {
            let x = a.layers[l]
            RMSNorm.forward(
                output: x.attentionNorm, rstd: x.attentionRstd, input: a.residuals[l], weight: p + block.attentionNorm,
                rows: rows, channels: c, epsilon: eps)
            Projection.forward(
                output: x.qkv, input: x.attentionNorm, weight: p + block.qkv, rows: rows, inputSize: c, outputSize: w,
                accumulate: false, workers: workers)
            adapters?.forward(.qkv, layer: l, input: x.attentionNorm, output: x.qkv, rows: rows)
            for r in 0..<rows {
                rotary.rotate(x.qkv + r * w, heads: config.headCount + config.keyValueHeadCount, position: r % length)
            }
            GroupedQueryAttention.forward(
                output: x.attention, logSumExp: x.logSumExp, qkv: x.qkv, scratch: a.attentionScratch, shape: shape)
            x.middle.update(from: a.residuals[l], count: rows * c)
            Projection.forward(
                output: x.middle, input: x.attention, weight: p + block.attentionOutput, rows: rows,
                inputSize: config.queryWidth, outputSize: c, accumulate: true, workers: workers)
            adapters?.forward(.attentionOutput, layer: l, input: x.attention, output: x.middle, rows: rows)
            RMSNorm.forward(
                output: x.feedForwardNorm, rstd: x.feedForwardRstd, input: x.middle, weight: p + block.feedForwardNorm,
                rows: rows, channels: c, epsilon: eps)
            Projection.forward(
                output: x.gateUp, input: x.feedForwardNorm, weight: p + block.gateUp, rows: rows, inputSize: c,
                outputSize: 2 * f, accumulate: false, workers: workers)
            adapters?.forward(.gateUp, layer: l, input: x.feedForwardNorm, output: x.gateUp, rows: rows)
            SwiGLU.forward(hidden: x.hidden, gateUp: x.gateUp, rows: rows, width: f)
            a.residuals[l + 1].update(from: x.middle, count: rows * c)
            Projection.forward(
                output: a.residuals[l + 1], input: x.hidden, weight: p + block.down, rows: rows, inputSize: f,
                outputSize: c, accumulate: true, workers: workers)
            adapters?.forward(.down, layer: l, input: x.hidden, output: a.residuals[l + 1], rows: rows)
        }
        RMSNorm.forward(
            output: a.outputNorm, rstd: a.outputRstd, input: a.residuals[config.layerCount],
            weight: p + layout.outputNorm, rows: rows, channels: c, epsilon: eps)
    }

    /// The backward pass of the last forward on `a`, from the gradient of the normed output in `a.normGradient`
    /// (the head's backward pass leaves it there), adding every parameter's gradient into `g`, or, when `g` is nil
    /// (a frozen base under adapters), only the adapters' gradients into theirs.
    func backward(_ a: LlamaActivations, gradients g: FloatPointer?, inputs: UnsafePointer<Int32>, batch: Int, length: Int)
    {
        let (c, f, w, q) = (config.embeddingSize, config.feedForwardSize, config.qkvWidth, config.queryWidth)
        let rows = batch * length
        let p = UnsafePointer(parameters.base)
        let workers = threadCount
        let dx = a.residualGradient
        dx.update(repeating: 0, count: rows * c)
        RMSNorm.backward(
            inputGradient: dx, weightGradient: g.map { $0 + layout.outputNorm }, outputGradient: a.normGradient,
            input: a.residuals[config.layerCount], weight: p + layout.outputNorm, rstd: a.outputRstd, rows: rows,
            channels: c)
        let shape = GroupedQueryAttention.Shape(
            batch: batch, length: length, heads: config.headCount, keyValueHeads: config.keyValueHeadCount,
            headSize: config.headSize)
        for (l, block) in layout.blocks.enumerated().reversed() {
            let x = a.layers[l]
            Projection.backward(
                inputGradient: a.hiddenGradient, weightGradient: g.map { $0 + block.down }, outputGradient: dx, input: x.hidden,
                weight: p + block.down, rows: rows, inputSize: f, outputSize: c, workers: workers)
            adapters?.backward(
                .down, layer: l, input: x.hidden, outputGradient: dx, inputGradient: a.hiddenGradient, rows: rows)
            SwiGLU.backward(
                gateUpGradient: a.gateUpGradient, hiddenGradient: a.hiddenGradient, gateUp: x.gateUp, rows: rows,
                width: f)
            Projection.backward(
                inputGradient: a.normGradient, weightGradient: g.map { $0 + block.gateUp }, outputGradient: a.gateUpGradient,
                input: x.feedForwardNorm, weight: p + block.gateUp, rows: rows, inputSize: c, outputSize: 2 * f,
                workers: workers)
            adapters?.backward(
                .gateUp, layer: l, input: x.feedForwardNorm, outputGradient: a.gateUpGradient,
                inputGradient: a.normGradient, rows: rows)
            RMSNorm.backward(
                inputGradient: dx, weightGradient: g.map { $0 + block.feedForwardNorm }, outputGradient: a.normGradient,
                input: x.middle, weight: p + block.feedForwardNorm, rstd: x.feedForwardRstd, rows: rows, channels: c)
            Projection.backward(
                inputGradient: a.attentionGradient, weightGradient: g.map { $0 + block.attentionOutput }, outputGradient: dx,
                input: x.attention, weight: p + block.attentionOutput, rows: rows, inputSize: q, outputSize: c,
                workers: workers)
            adapters?.backward(
                .attentionOutput, layer: l, input: x.attention, outputGradient: dx, inputGradient: a.attentionGradient,
                rows: rows)
            GroupedQueryAttention.backward(
                qkvGradient: a.qkvGradient, outputGradient: a.attentionGradient, qkv: x.qkv, logSumExp: x.logSumExp,
                scratch: a.attentionScratch, shape: shape)
            for r in 0..<rows {
                rotary.rotateBack(
                    a.qkvGradient + r * w, heads: config.headCount + config.keyValueHeadCount, position: r % length)
            }
            Projection.backward(
                inputGradient: a.normGradient, weightGradient: g.map { $0 + block.qkv }, outputGradient: a.qkvGradient,
                input: x.attentionNorm, weight: p + block.qkv, rows: rows, inputSize: c, outputSize: w,
                workers: workers)
            adapters?.backward(
                .qkv, layer: l, input: x.attentionNorm, outputGradient: a.qkvGradient, inputGradient: a.normGradient,
                rows: rows)
            RMSNorm.backward(
                inputGradient: dx, weightGradient: g.map { $0 + block.attentionNorm }, outputGradient: a.normGradient,
                input: a.residuals[l], weight: p + block.attentionNorm, rstd: x.attentionRstd, rows: rows, channels: c)
        }
        guard let g else { return }
        for r in 0..<rows {
            VectorMath.add(g + layout.tokenEmbedding + Int(inputs[r]) * c, dx + r * c, c)
        }
    }
}
