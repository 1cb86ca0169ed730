import FulmenModel

/// Everything one training forward pass over B sequences of T positions keeps for its backward pass, plus the
/// backward pass's scratch, in one buffer sized for at most `rowCapacity` = B·T rows and T ≤ `lengthCapacity`.
///
/// Dimensions: R = B·T rows, C width, H·D query width, W = H·D + 2·G·D fused q/k/v width, F feed-forward width.
/// A smaller batch uses the first R rows of each region. The logits are never all kept: the LM head works through
/// ``LanguageModelHead/chunkRows`` rows at a time (`headLogits`).
final class LlamaActivations {
    /// One block's activations.
    struct Layer {
        let attentionNorm: FloatPointer  // (R, C) attn_norm output
        let attentionRstd: FloatPointer  // (R)
        let qkv: FloatPointer  // (R, W) q, k after rotary embedding, v
        let attention: FloatPointer  // (R, H·D) attention output before attn_output
        let logSumExp: FloatPointer  // (B, H, T)
        let middle: FloatPointer  // (R, C) residual after attention
        let feedForwardNorm: FloatPointer  // (R, C) ffn_norm output
        let feedForwardRstd: FloatPointer  // (R)
        let gateUp: FloatPointer  // (R, 2F)
        let hidden: FloatPointer  // (R, F) silu(gate)·up
    }

    let rowCapacity: Int
    let lengthCapacity: Int
    let buffer: FloatBuffer
    /// residuals[l] (R, C) is block l's input; residuals[L] the last block's output.
    let residuals: [FloatPointer]
    let layers: [Layer]
    let outputNorm: FloatPointer  // (R, C)
    let outputRstd: FloatPointer  // (R)
    let targetLogProbabilities: FloatPointer  // (R)
    let headLogits: FloatPointer  // (chunk, V)
    // Backward scratch.
    let residualGradient: FloatPointer  // (R, C)
    let normGradient: FloatPointer  // (R, C)
    let attentionGradient: FloatPointer  // (R, H·D)
    let qkvGradient: FloatPointer  // (R, W)
    let gateUpGradient: FloatPointer  // (R, 2F)
    let hiddenGradient: FloatPointer  // (R, F)
    /// One attention scratch per worker.
    let attentionScratch: [FloatPointer]

    init(config: LlamaConfig, rows: Int, length: Int, workers: Int) {
        rowCapacity = rows
        lengthCapacity = length
        let c = config.embeddingSize
        let (q, w, f) = (config.queryWidth, config.qkvWidth, config.feedForwardSize)
        let lse = rows * config.headCount
        let perLayer = 3 * rows * c + 2 * rows + rows * w + rows * q + lse + 3 * rows * f
        let chunk = min(rows, LanguageModelHead.chunkRows) * config.vocabularySize
        let scratch = GroupedQueryAttention.scratchCount(length: length)
        let total =
            (config.layerCount + 1) * rows * c + config.layerCount * perLayer + rows * c + 2 * rows + chunk
            + rows * (2 * c + q + w + 3 * f) + workers * scratch
        buffer = FloatBuffer(count: total)
        var next = buffer.base
        func take(_ n: Int) -> FloatPointer {
            defer { next += n }
            return next
        }
        var residuals: [FloatPointer] = []
        for _ in 0...config.layerCount { residuals.append(take(rows * c)) }
        self.residuals = residuals
        var layers: [Layer] = []
        for _ in 0..<config.layerCount {
            layers.append(Layer(
                attentionNorm: take(rows * c), attentionRstd: take(rows), qkv: take(rows * w),
                attention: take(rows * q), logSumExp: take(lse), middle: take(rows * c),
                feedForwardNorm: take(rows * c), feedForwardRstd: take(rows), gateUp: take(2 * rows * f),
                hidden: take(rows * f)))
        }
        self.layers = layers
        outputNorm = take(rows * c)
        outputRstd = take(rows)
        targetLogProbabilities = take(rows)
        headLogits = take(chunk)
        residualGradient = take(rows * c)
        normGradient = take(rows * c)
        attentionGradient = take(rows * q)
        qkvGradient = take(rows * w)
        gateUpGradient = take(2 * rows * f)
        hiddenGradient = take(rows * f)
        var attentionScratch: [FloatPointer] = []
        for _ in 0..<workers { attentionScratch.append(take(scratch)) }
        self.attentionScratch = attentionScratch
        precondition(next - buffer.base == total, "LlamaActivations: layout does not add up")
    }

    /// Whether this buffer can hold a pass over `rows` rows of sequences `length` long with `workers` workers.
    func fits(rows: Int, length: Int, workers: Int) -> Bool {
        rows <= rowCapacity && length <= lengthCapacity && workers <= attentionScratch.count
    }
}
