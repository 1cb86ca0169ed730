/// Copies of the model's matrices transposed to `[in, out]`, the layout generation multiplies fastest.
///
/// With a few rows per step, a product is bound by reading the weights; OpenBLAS streams an `[in, out]` matrix
/// (plain `sgemm`, transposed `sgemv`) about 1.5 to 3 times faster than the `[out, in]` one training keeps (measured
/// on this machine's Zen 3 with OpenBLAS 0.3.21). The copies are rebuilt when the parameters have changed since.
final class InferenceWeights {
    /// Offsets of one block's transposed matrices.
    struct Block {
        let qkv: Int  // (C, 3C)
        let proj: Int  // (C, C)
        let fc1: Int  // (C, 4C)
        let fc2: Int  // (4C, C)
    }

    /// The parameter version the copies were made from.
    let version: Int
    let buffer: FloatBuffer
    let blocks: [Block]
    let lmHead: Int  // (C, V): wte transposed

    init(layout: ParameterLayout, config: GPTConfig, parameters: UnsafePointer<Float>, version: Int) {
        self.version = version
        let c = config.embeddingSize
        var offset = 0
        var blocks: [Block] = []
        for _ in layout.blocks {
            blocks.append(
                Block(qkv: offset, proj: offset + 3 * c * c, fc1: offset + 4 * c * c, fc2: offset + 8 * c * c))
            offset += 12 * c * c
        }
        self.blocks = blocks
        lmHead = offset
        buffer = FloatBuffer(count: offset + c * config.vocabularySize)
        let b = buffer.base
        for (source, target) in zip(layout.blocks, blocks) {
            Self.transpose(parameters + source.qkvWeight, rows: 3 * c, columns: c, into: b + target.qkv)
            Self.transpose(parameters + source.projWeight, rows: c, columns: c, into: b + target.proj)
            Self.transpose(parameters + source.fc1Weight, rows: 4 * c, columns: c, into: b + target.fc1)
            Self.transpose(parameters + source.fc2Weight, rows: c, columns: 4 * c, into: b + target.fc2)
        }
        Self.transpose(parameters + layout.tokenEmbedding, rows: config.vocabularySize, columns: c, into: b + lmHead)
    }

    /// `destination[j·rows + i] = source[i·columns + j]`, in 32×32 tiles.
    static func transpose(_ source: UnsafePointer<Float>, rows: Int, columns: Int, into destination: FloatPointer) {
        let tile = 32
        for i0 in stride(from: 0, to: rows, by: tile) {
            for j0 in stride(from: 0, to: columns, by: tile) {
                for i in i0..<min(rows, i0 + tile) {
                    for j in j0..<min(columns, j0 + tile) { destination[j * rows + i] = source[i * columns + j] }
                }
            }
        }
    }
}
