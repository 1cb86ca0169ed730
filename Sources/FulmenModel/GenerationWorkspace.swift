/// One worker's buffers for generation: the key/value cache of its sequences and the activations of one step.
///
/// Dimensions: S sequence slots, L layers, H heads, N cached positions per slot, D head size, C = H·D channels,
/// R rows in a step.
/// The cache is head-major so that attending reads each head's keys and values sequentially.
final class GenerationWorkspace {
    private(set) var cache = FloatBuffer(count: 0)  // (S, L, 2, H, N·D) keys (N/8, D, 8) and values (N, D)
    private(set) var slotLength = 0
    private(set) var rowCapacity = 0
    private(set) var segmentCapacity = 0
    // Step activations: residual (R, C), norm (R, C), qkv (R, 3C), attention (R, C), hidden (R, 4C).
    private(set) var rows = FloatBuffer(count: 0)
    private(set) var perSlot = FloatBuffer(count: 0)  // attention scores (N), last-row norms (S, C), logits (S, V)
    private var channels = 0

    /// Makes room for `slots` sequences of up to `requested` positions and steps of up to `rows` rows, keeping
    /// buffers that are large enough (their contents do not outlive one ``GPT/generate(_:)`` call).
    func reserve(config: GPTConfig, slots: Int, slotLength requested: Int, rows: Int) {
        let slotLength = (requested + 7) / 8 * 8
        let c = config.embeddingSize
        channels = c
        let cacheCount = slots * config.layerCount * 2 * slotLength * c
        if cache.count < cacheCount { cache = FloatBuffer(count: cacheCount) }
        self.slotLength = slotLength
        if rows > rowCapacity {
            self.rows = FloatBuffer(count: rows * 10 * c)
            rowCapacity = rows
        }
        let perSlotCount = config.contextLength + slots * (c + config.vocabularySize)
        if slots > segmentCapacity || perSlot.count < perSlotCount {
            perSlot = FloatBuffer(count: perSlotCount)
            segmentCapacity = slots
        }
    }

    func keys(slot: Int, layer: Int, config: GPTConfig) -> FloatPointer {
        cache.base + ((slot * config.layerCount + layer) * 2) * slotLength * config.embeddingSize
    }

    func values(slot: Int, layer: Int, config: GPTConfig) -> FloatPointer {
        keys(slot: slot, layer: layer, config: config) + slotLength * config.embeddingSize
    }

    var residual: FloatPointer { rows.base }
    var norm: FloatPointer { rows.base + rowCapacity * 1 * channels }
    var qkv: FloatPointer { rows.base + rowCapacity * 2 * channels }
    var attention: FloatPointer { rows.base + rowCapacity * 5 * channels }
    var hidden: FloatPointer { rows.base + rowCapacity * 6 * channels }
    var scores: FloatPointer { perSlot.base }
    func lastNorm(config: GPTConfig) -> FloatPointer { perSlot.base + config.contextLength }
    func logits(config: GPTConfig) -> FloatPointer {
        lastNorm(config: config) + segmentCapacity * config.embeddingSize
    }
}
