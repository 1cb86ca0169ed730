/// Everything one forward pass over B sequences of T positions keeps for its backward pass, plus the backward
/// pass's scratch, in one buffer sized for at most `rowCapacity` = B·T rows and T ≤ `lengthCapacity`.
///
/// Dimensions: R = B·T rows, C channels, H heads, V vocabulary, L layers. A smaller batch uses the first
/// R rows of each region.
final class Activations {
    /// Per-layer activations.
    struct Layer {
        let ln1: FloatPointer  // (R, C) ln1 output
        let ln1Mean: FloatPointer  // (R)
        let ln1Rstd: FloatPointer  // (R)
        let qkv: FloatPointer  // (R, 3C)
        let attention: FloatPointer  // (R, C) attention output before proj
        let logSumExp: FloatPointer  // (B, H, T) attention row normalisers
        let residual2: FloatPointer  // (R, C) residual after attention
        let ln2: FloatPointer  // (R, C)
        let ln2Mean: FloatPointer  // (R)
        let ln2Rstd: FloatPointer  // (R)
        let hidden: FloatPointer  // (R, 4C) fc1 output
        let hiddenGELU: FloatPointer  // (R, 4C) gelu(fc1 output)
        let residual3: FloatPointer  // (R, C) residual after the MLP: the block's output
    }

    let rowCapacity: Int
    let lengthCapacity: Int
    let buffer: FloatBuffer
    let embedded: FloatPointer  // (R, C) token + position embedding: block 0's input
    let layers: [Layer]
    let finalNorm: FloatPointer  // (R, C)
    let finalNormMean: FloatPointer  // (R)
    let finalNormRstd: FloatPointer  // (R)
    let logits: FloatPointer  // (R, V) logits, then their gradient
    let targetLogProbabilities: FloatPointer  // (R)
    // Backward scratch.
    let residualGradient: FloatPointer  // (R, C)
    let normGradient: FloatPointer  // (R, C)
    let attentionGradient: FloatPointer  // (R, C)
    let qkvGradient: FloatPointer  // (R, 3C)
    let hiddenGradient: FloatPointer  // (R, 4C)
    let attentionScratch: FloatPointer  // (2, T, T)

    init(config: GPTConfig, rows: Int, length: Int) {
        rowCapacity = rows
        lengthCapacity = length
        let c = config.embeddingSize
        let lseCount = rows * config.headCount
        let perLayer = 4 * rows + 3 * rows * c + 3 * rows * c + lseCount + 2 * rows * c + 8 * rows * c
        let total =
            rows * c + config.layerCount * perLayer + rows * c + 2 * rows
            + rows * config.vocabularySize + rows + rows * (c + c + c + 3 * c + 4 * c) + 2 * length * length
        buffer = FloatBuffer(count: total)
        var next = buffer.base
        func take(_ n: Int) -> FloatPointer {
            defer { next += n }
            return next
        }
        embedded = take(rows * c)
        var layers: [Layer] = []
        for _ in 0..<config.layerCount {
            layers.append(
                Layer(
                    ln1: take(rows * c), ln1Mean: take(rows), ln1Rstd: take(rows), qkv: take(3 * rows * c),
                    attention: take(rows * c), logSumExp: take(lseCount), residual2: take(rows * c),
                    ln2: take(rows * c), ln2Mean: take(rows), ln2Rstd: take(rows), hidden: take(4 * rows * c),
                    hiddenGELU: take(4 * rows * c), residual3: take(rows * c)))
        }
        self.layers = layers
        finalNorm = take(rows * c)
        finalNormMean = take(rows)
        finalNormRstd = take(rows)
        logits = take(rows * config.vocabularySize)
        targetLogProbabilities = take(rows)
        residualGradient = take(rows * c)
        normGradient = take(rows * c)
        attentionGradient = take(rows * c)
        qkvGradient = take(3 * rows * c)
        hiddenGradient = take(4 * rows * c)
        attentionScratch = take(2 * length * length)
        precondition(next - buffer.base == total, "Activations: layout does not add up")
    }

    /// Whether this buffer can hold a pass over `rows` rows of sequences `length` long.
    func fits(rows: Int, length: Int) -> Bool { rows <= rowCapacity && length <= lengthCapacity }
}
