/// One worker's buffers for training and full-sequence forwards.
final class TrainingWorkspace {
    var activations: Activations?
    /// Gradients of workers other than the first, summed into the model's after each call.
    var gradients: FloatBuffer?

    func activations(config: GPTConfig, rows: Int, length: Int) -> Activations {
        if let activations, activations.fits(rows: rows, length: length) { return activations }
        let rowCapacity = max(rows, activations?.rowCapacity ?? 0)
        let lengthCapacity = max(length, activations?.lengthCapacity ?? 0)
        activations = nil
        let grown = Activations(config: config, rows: rowCapacity, length: lengthCapacity)
        activations = grown
        return grown
    }
}

extension GPT {
    /// Runs the forward and backward pass on `batch` and adds the gradient of its loss to the model's gradients.
    ///
    /// The sequences are split over up to ``threadCount`` workers. Call ``zeroGradients()`` before the first
    /// micro-batch of a step; calling this several times accumulates gradients.
    /// - Returns: The batch's loss, `Σ weight · −log p(target)`.
    /// - Throws: ``ModelError`` if the batch is longer than the context or holds an unknown token id.
    @discardableResult
    public func accumulateGradients(for batch: TrainingBatch) throws(ModelError) -> Float {
        try run(batch, gradient: true, logProbabilities: false).loss
    }

    /// The loss of `batch` without touching the gradients.
    ///
    /// - Throws: ``ModelError`` if the batch is longer than the context or holds an unknown token id.
    public func loss(for batch: TrainingBatch) throws(ModelError) -> Float {
        try run(batch, gradient: false, logProbabilities: false).loss
    }

    /// The log-probability the model gives each token of each sequence after the first, given the tokens
    /// before it: `result[b][t] = log p(sequences[b][t + 1] | sequences[b][0 ... t])`.
    ///
    /// This is what importance ratios and KL penalties compare against the log-probabilities recorded at
    /// sampling time (``Generation/logProbabilities``), which use the same, untempered distribution.
    /// - Throws: ``ModelError`` if a sequence is shorter than 2, longer than the context, or holds an unknown id.
    public func logProbabilities(of sequences: [[Int32]]) throws(ModelError) -> [[Float]] {
        let batch = try TrainingBatch(
            sequences: sequences, targetWeights: sequences.map { [Float](repeating: 0, count: max(0, $0.count - 1)) })
        let flat = try run(batch, gradient: false, logProbabilities: true).logProbabilities
        return sequences.enumerated().map { b, sequence in
            Array(flat[(b * batch.length)..<(b * batch.length + sequence.count - 1)])
        }
    }

    /// The logits of every position of one sequence, (T, V) row-major: the model's plain forward pass.
    ///
    /// - Throws: ``ModelError`` if the sequence is empty, longer than the context, or holds an unknown id.
    public func logits(for tokens: [Int32]) throws(ModelError) -> Tensor {
        guard !tokens.isEmpty else { throw ModelError("GPT.logits: empty sequence") }
        try validate(tokens: tokens)
        let t = tokens.count
        let workspace = trainingWorkspace(0)
        let a = workspace.activations(config: config, rows: t, length: t)
        let targets = [Int32](repeating: 0, count: t)
        _ = tokens.withUnsafeBufferPointer { inputs in
            targets.withUnsafeBufferPointer { targets in
                forward(
                    a, inputs: inputs.baseAddress!, targets: targets.baseAddress!, weights: nil, batch: 1, length: t,
                    gradient: false)
            }
        }
        return Tensor(
            shape: [t, config.vocabularySize],
            scalars: Array(UnsafeBufferPointer(start: a.logits, count: t * config.vocabularySize)))
    }

    func validate(tokens: [Int32]) throws(ModelError) {
        if tokens.count > config.contextLength {
            throw ModelError("sequence of \(tokens.count) tokens exceeds the context length \(config.contextLength)")
        }
        for token in tokens where token < 0 || Int(token) >= config.vocabularySize {
            throw ModelError("token id \(token) is outside the vocabulary 0..<\(config.vocabularySize)")
        }
    }

    func trainingWorkspace(_ index: Int) -> TrainingWorkspace {
        while trainingWorkspaces.count <= index { trainingWorkspaces.append(TrainingWorkspace()) }
        return trainingWorkspaces[index]
    }

    private func run(_ batch: TrainingBatch, gradient: Bool, logProbabilities collect: Bool) throws(ModelError)
        -> (loss: Float, logProbabilities: [Float])
    {
        if batch.length > config.contextLength {
            throw ModelError("batch length \(batch.length) exceeds the context length \(config.contextLength)")
        }
        for tokens in [batch.inputs, batch.targets] {
            for token in tokens where token < 0 || Int(token) >= config.vocabularySize {
                throw ModelError("token id \(token) is outside the vocabulary 0..<\(config.vocabularySize)")
            }
        }
        let b = batch.sequenceCount
        let t = batch.length
        let workers = min(threadCount, b)
        let workspaces = (0..<workers).map { trainingWorkspace($0) }
        var activations: [Activations] = []
        for (w, workspace) in workspaces.enumerated() {
            let share = (w + 1) * b / workers - w * b / workers
            activations.append(workspace.activations(config: config, rows: share * t, length: t))
            if gradient && w > 0 {
                if workspace.gradients == nil { workspace.gradients = FloatBuffer(count: layout.count) }
                workspace.gradients!.zero()
            }
        }
        var losses = [Double](repeating: 0, count: workers)
        var logProbabilities = [Float](repeating: 0, count: collect ? b * t : 0)
        batch.inputs.withUnsafeBufferPointer { inputs in
            batch.targets.withUnsafeBufferPointer { targets in
                batch.weights.withUnsafeBufferPointer { weights in
                    losses.withUnsafeMutableBufferPointer { losses in
                        logProbabilities.withUnsafeMutableBufferPointer { logProbabilities in
                            parallelFor(workers) { w in
                                let first = w * b / workers
                                let count = (w + 1) * b / workers - first
                                let offset = first * t
                                let a = activations[w]
                                losses[w] = forward(
                                    a, inputs: inputs.baseAddress! + offset, targets: targets.baseAddress! + offset,
                                    weights: weights.baseAddress! + offset, batch: count, length: t, gradient: gradient)
                                if collect {
                                    (logProbabilities.baseAddress! + offset).update(
                                        from: a.targetLogProbabilities, count: count * t)
                                }
                                if gradient {
                                    let g = w == 0 ? self.gradients.base : workspaces[w].gradients!.base
                                    backward(
                                        a, gradients: g, inputs: inputs.baseAddress! + offset, batch: count, length: t)
                                }
                            }
                        }
                    }
                }
            }
        }
        if gradient && workers > 1 {
            let n = layout.count
            parallelFor(workers) { part in
                let start = part * n / workers
                let end = (part + 1) * n / workers
                for w in 1..<workers {
                    VectorMath.add(self.gradients.base + start, workspaces[w].gradients!.base + start, end - start)
                }
            }
        }
        return (Float(losses.reduce(0, +)), logProbabilities)
    }

    /// The forward pass over `batch` sequences of `length` tokens, keeping every activation the backward pass
    /// needs; returns the weighted loss and, when `gradient` is true, leaves the logits' gradient in `a.logits`.
    func forward(
        _ a: Activations, inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, weights: UnsafePointer<Float>?,
        batch: Int, length: Int, gradient: Bool
    ) -> Double {
        let c = config.embeddingSize
        let rows = batch * length
        let p = UnsafePointer(parameters.base)
        Embedding.forward(
            output: a.embedded, tokens: inputs, tokenEmbedding: p + layout.tokenEmbedding,
            positionEmbedding: p + layout.positionEmbedding, batch: batch, length: length, channels: c)
        var residual = a.embedded
        for (l, block) in layout.blocks.enumerated() {
            let x = a.layers[l]
            LayerNorm.forward(
                output: x.ln1, mean: x.ln1Mean, rstd: x.ln1Rstd, input: residual, weight: p + block.ln1Weight,
                bias: p + block.ln1Bias, rows: rows, channels: c)
            Linear.forward(
                output: x.qkv, input: x.ln1, weight: p + block.qkvWeight, bias: p + block.qkvBias, rows: rows,
                inputSize: c, outputSize: 3 * c)
            Attention.forward(
                output: x.attention, logSumExp: x.logSumExp, qkv: x.qkv, scratch: a.attentionScratch, batch: batch,
                length: length, channels: c, heads: config.headCount)
            Linear.forward(
                output: x.residual2, input: x.attention, weight: p + block.projWeight, bias: p + block.projBias,
                rows: rows, inputSize: c, outputSize: c, residual: residual)
            LayerNorm.forward(
                output: x.ln2, mean: x.ln2Mean, rstd: x.ln2Rstd, input: x.residual2, weight: p + block.ln2Weight,
                bias: p + block.ln2Bias, rows: rows, channels: c)
            Linear.forward(
                output: x.hidden, input: x.ln2, weight: p + block.fc1Weight, bias: p + block.fc1Bias, rows: rows,
                inputSize: c, outputSize: 4 * c)
            GELU.forward(output: x.hiddenGELU, input: x.hidden, count: rows * 4 * c)
            Linear.forward(
                output: x.residual3, input: x.hiddenGELU, weight: p + block.fc2Weight, bias: p + block.fc2Bias,
                rows: rows, inputSize: 4 * c, outputSize: c, residual: x.residual2)
            residual = x.residual3
        }
        LayerNorm.forward(
            output: a.finalNorm, mean: a.finalNormMean, rstd: a.finalNormRstd, input: residual,
            weight: p + layout.finalNormWeight, bias: p + layout.finalNormBias, rows: rows, channels: c)
        Linear.forward(
            output: a.logits, input: a.finalNorm, weight: p + layout.tokenEmbedding, bias: nil, rows: rows,
            inputSize: c, outputSize: config.vocabularySize)
        return CrossEntropy.forward(
            logits: a.logits, targetLogProbabilities: a.targetLogProbabilities, targets: targets, weights: weights,
            rows: rows, vocabulary: config.vocabularySize, gradient: gradient)
    }

    /// The backward pass of the last ``forward(_:inputs:targets:weights:batch:length:gradient:)`` with
    /// `gradient: true` on `a`, adding every parameter's gradient into `g` (laid out as the parameters).
    func backward(_ a: Activations, gradients g: FloatPointer, inputs: UnsafePointer<Int32>, batch: Int, length: Int) {
        let c = config.embeddingSize
        let rows = batch * length
        let p = UnsafePointer(parameters.base)
        Linear.backward(
            inputGradient: a.normGradient, weightGradient: g + layout.tokenEmbedding, biasGradient: nil,
            outputGradient: a.logits, input: a.finalNorm, weight: p + layout.tokenEmbedding, rows: rows,
            inputSize: c, outputSize: config.vocabularySize)
        a.residualGradient.update(repeating: 0, count: rows * c)
        LayerNorm.backward(
            inputGradient: a.residualGradient, weightGradient: g + layout.finalNormWeight,
            biasGradient: g + layout.finalNormBias, outputGradient: a.normGradient,
            input: a.layers.last?.residual3 ?? a.embedded, weight: p + layout.finalNormWeight, mean: a.finalNormMean,
            rstd: a.finalNormRstd, rows: rows, channels: c)
        for (l, block) in layout.blocks.enumerated().reversed() {
            let x = a.layers[l]
            let residual = l == 0 ? a.embedded : a.layers[l - 1].residual3
            Linear.backward(
                inputGradient: a.hiddenGradient, weightGradient: g + block.fc2Weight, biasGradient: g + block.fc2Bias,
                outputGradient: a.residualGradient, input: x.hiddenGELU, weight: p + block.fc2Weight, rows: rows,
                inputSize: 4 * c, outputSize: c)
            GELU.backward(
                inputGradient: a.hiddenGradient, outputGradient: a.hiddenGradient, input: x.hidden, count: rows * 4 * c)
            Linear.backward(
                inputGradient: a.normGradient, weightGradient: g + block.fc1Weight, biasGradient: g + block.fc1Bias,
                outputGradient: a.hiddenGradient, input: x.ln2, weight: p + block.fc1Weight, rows: rows,
                inputSize: c, outputSize: 4 * c)
            LayerNorm.backward(
                inputGradient: a.residualGradient, weightGradient: g + block.ln2Weight, biasGradient: g + block.ln2Bias,
                outputGradient: a.normGradient, input: x.residual2, weight: p + block.ln2Weight, mean: x.ln2Mean,
                rstd: x.ln2Rstd, rows: rows, channels: c)
            Linear.backward(
                inputGradient: a.attentionGradient, weightGradient: g + block.projWeight,
                biasGradient: g + block.projBias, outputGradient: a.residualGradient, input: x.attention,
                weight: p + block.projWeight, rows: rows, inputSize: c, outputSize: c)
            Attention.backward(
                qkvGradient: a.qkvGradient, outputGradient: a.attentionGradient, qkv: x.qkv, logSumExp: x.logSumExp,
                scratch: a.attentionScratch, batch: batch, length: length, channels: c, heads: config.headCount)
            Linear.backward(
                inputGradient: a.normGradient, weightGradient: g + block.qkvWeight, biasGradient: g + block.qkvBias,
                outputGradient: a.qkvGradient, input: x.ln1, weight: p + block.qkvWeight, rows: rows, inputSize: c,
                outputSize: 3 * c)
            LayerNorm.backward(
                inputGradient: a.residualGradient, weightGradient: g + block.ln1Weight, biasGradient: g + block.ln1Bias,
                outputGradient: a.normGradient, input: residual, weight: p + block.ln1Weight, mean: x.ln1Mean,
                rstd: x.ln1Rstd, rows: rows, channels: c)
        }
        Embedding.backward(
            tokenEmbeddingGradient: g + layout.tokenEmbedding, positionEmbeddingGradient: g + layout.positionEmbedding,
            outputGradient: a.residualGradient, tokens: inputs, batch: batch, length: length, channels: c)
    }
}
