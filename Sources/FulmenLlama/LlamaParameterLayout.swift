/// Where each parameter tensor sits in the model's single flat parameter buffer, under GGUF's tensor names.
///
/// Shapes are outermost first (GGUF lists them innermost first): `blk.N.attn_k.weight` of SmolLM2 is (192, 576),
/// 192 rows of 576, a Linear weight `[out, in]`. Within a block, `attn_q`, `attn_k` and `attn_v` are adjacent, so
/// together they are one (H·D + 2·G·D, C) matrix and one product computes q, k and v; so are `ffn_gate` and
/// `ffn_up`, one (2F, C) matrix. Gradients and optimiser moments use the same layout in buffers of their own.
struct LlamaParameterLayout {
    /// Offsets of one block's tensors.
    struct Block {
        var attentionNorm = 0  // attn_norm (C)
        var qkv = 0  // attn_q (H·D, C), attn_k (G·D, C), attn_v (G·D, C), adjacent
        var attentionOutput = 0  // attn_output (C, H·D)
        var feedForwardNorm = 0  // ffn_norm (C)
        var gateUp = 0  // ffn_gate (F, C), ffn_up (F, C), adjacent
        var down = 0  // ffn_down (C, F)
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
    private(set) var tokenEmbedding = 0  // token_embd (V, C)
    private(set) var blocks: [Block] = []
    private(set) var outputNorm = 0  // output_norm (C)
    /// The LM head (V, C): `output.weight`, or the token embedding when tied.
    private(set) var output = 0

    init(config: LlamaConfig) {
        let c = config.embeddingSize
        let f = config.feedForwardSize
        tokenEmbedding = add("token_embd.weight", [config.vocabularySize, c])
        for l in 0..<config.layerCount {
            let p = "blk.\(l)."
            var b = Block()
            b.attentionNorm = add(p + "attn_norm.weight", [c])
            b.qkv = add(p + "attn_q.weight", [config.queryWidth, c])
            _ = add(p + "attn_k.weight", [config.keyValueWidth, c])
            _ = add(p + "attn_v.weight", [config.keyValueWidth, c])
            b.attentionOutput = add(p + "attn_output.weight", [c, config.queryWidth])
            b.feedForwardNorm = add(p + "ffn_norm.weight", [c])
            b.gateUp = add(p + "ffn_gate.weight", [f, c])
            _ = add(p + "ffn_up.weight", [f, c])
            b.down = add(p + "ffn_down.weight", [c, f])
            blocks.append(b)
        }
        outputNorm = add("output_norm.weight", [c])
        output = config.tiedEmbeddings ? tokenEmbedding : add("output.weight", [config.vocabularySize, c])
    }

    /// The entry of that name, if any.
    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let offset = count
        entries.append(Entry(name: name, shape: shape, offset: offset))
        count += shape.reduce(1, *)
        return offset
    }
}
