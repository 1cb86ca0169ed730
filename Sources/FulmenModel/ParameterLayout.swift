/// Where each parameter tensor sits in the model's single flat parameter buffer.
///
/// Dimensions: V vocabulary, T context, C embedding, L layers. Names and shapes are those of the PyTorch
/// reference's `state_dict()` (Linear weights are `[out, in]`), in the same order, so a checkpoint written here
/// loads into the reference as it is. Gradients and AdamW moments use the same layout in buffers of their own.
struct ParameterLayout {
    /// Offsets of one transformer block's tensors.
    struct Block {
        var ln1Weight = 0  // (C)
        var ln1Bias = 0  // (C)
        var qkvWeight = 0  // (3C, C)
        var qkvBias = 0  // (3C)
        var projWeight = 0  // (C, C)
        var projBias = 0  // (C)
        var ln2Weight = 0  // (C)
        var ln2Bias = 0  // (C)
        var fc1Weight = 0  // (4C, C)
        var fc1Bias = 0  // (4C)
        var fc2Weight = 0  // (C, 4C)
        var fc2Bias = 0  // (C)
    }

    /// One named tensor.
    struct Entry {
        let name: String
        let shape: [Int]
        let offset: Int
        var count: Int { shape.reduce(1, *) }
    }

    private(set) var entries: [Entry] = []
    private(set) var count = 0
    private(set) var tokenEmbedding = 0  // wte (V, C)
    private(set) var positionEmbedding = 0  // wpe (T, C)
    private(set) var blocks: [Block] = []
    private(set) var finalNormWeight = 0  // ln_f (C)
    private(set) var finalNormBias = 0  // ln_f (C)

    init(config: GPTConfig) {
        let c = config.embeddingSize
        tokenEmbedding = add("wte.weight", [config.vocabularySize, c])
        positionEmbedding = add("wpe.weight", [config.contextLength, c])
        for l in 0..<config.layerCount {
            let p = "blocks.\(l)."
            var b = Block()
            b.ln1Weight = add(p + "ln1.weight", [c])
            b.ln1Bias = add(p + "ln1.bias", [c])
            b.qkvWeight = add(p + "qkv.weight", [3 * c, c])
            b.qkvBias = add(p + "qkv.bias", [3 * c])
            b.projWeight = add(p + "proj.weight", [c, c])
            b.projBias = add(p + "proj.bias", [c])
            b.ln2Weight = add(p + "ln2.weight", [c])
            b.ln2Bias = add(p + "ln2.bias", [c])
            b.fc1Weight = add(p + "fc1.weight", [4 * c, c])
            b.fc1Bias = add(p + "fc1.bias", [4 * c])
            b.fc2Weight = add(p + "fc2.weight", [c, 4 * c])
            b.fc2Bias = add(p + "fc2.bias", [c])
            blocks.append(b)
        }
        finalNormWeight = add("ln_f.weight", [c])
        finalNormBias = add("ln_f.bias", [c])
    }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let offset = count
        entries.append(Entry(name: name, shape: shape, offset: offset))
        count += shape.reduce(1, *)
        return offset
    }
}
