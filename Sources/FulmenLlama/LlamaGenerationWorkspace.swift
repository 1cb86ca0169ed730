import FulmenModel

/// The activations of one generation step, sized for up to `rowCapacity` rows (tokens fed this step) and
/// `segmentCapacity` sequences that sample this step, plus one attention-score row per worker.
///
/// Dimensions: R rows, S sampling sequences, C width, W fused q/k/v width, F feed-forward width, V vocabulary.
final class LlamaGenerationWorkspace {
    let rowCapacity: Int
    let segmentCapacity: Int
    let scoreCount: Int
    let buffer: FloatBuffer
    let residual: FloatPointer  // (R, C)
    let norm: FloatPointer  // (R, C)
    let qkv: FloatPointer  // (R, W)
    let attention: FloatPointer  // (R, H·D)
    let gateUp: FloatPointer  // (R, 2F)
    let hidden: FloatPointer  // (R, F)
    let lastNorm: FloatPointer  // (S, C)
    let logits: FloatPointer  // (S, V)
    let scores: [FloatPointer]  // per worker (context rounded up to a block)

    init(config: LlamaConfig, rows: Int, segments: Int, workers: Int, blockSize: Int) {
        rowCapacity = rows
        segmentCapacity = segments
        scoreCount = (config.contextLength + blockSize - 1) / blockSize * blockSize
        let c = config.embeddingSize
        let f = config.feedForwardSize
        let perRow = 2 * c + config.qkvWidth + config.queryWidth + 3 * f
        let total = rows * perRow + segments * (c + config.vocabularySize) + workers * scoreCount
        buffer = FloatBuffer(count: total)
        var next = buffer.base
        func take(_ n: Int) -> FloatPointer {
            defer { next += n }
            return next
        }
        residual = take(rows * c)
        norm = take(rows * c)
        qkv = take(rows * config.qkvWidth)
        attention = take(rows * config.queryWidth)
        gateUp = take(rows * 2 * f)
        hidden = take(rows * f)
        lastNorm = take(segments * c)
        logits = take(segments * config.vocabularySize)
        var scores: [FloatPointer] = []
        for _ in 0..<workers { scores.append(take(scoreCount)) }
        self.scores = scores
        precondition(next - buffer.base == total, "LlamaGenerationWorkspace: layout does not add up")
    }

    func fits(rows: Int, segments: Int, workers: Int) -> Bool {
        rows <= rowCapacity && segments <= segmentCapacity && workers <= scores.count
    }
}
