/// The fused products of a Llama block that adapters attach to: q, k and v are one product with W = [q; k; v], and
/// gate and up one with [gate; up] (``LlamaParameterLayout``), so an adapter writes its own columns of the fused
/// output.
enum LoRAProduct: Int, CaseIterable {
    case qkv, attentionOutput, gateUp, down

    /// The product a target belongs to.
    init(_ target: LoRATarget) {
        switch target {
        case .query, .key, .value: self = .qkv
        case .output: self = .attentionOutput
        case .gate, .up: self = .gateUp
        case .down: self = .down
        }
    }

    /// The width of the product's output rows.
    func width(_ config: LlamaConfig) -> Int {
        switch self {
        case .qkv: config.qkvWidth
        case .attentionOutput, .down: config.embeddingSize
        case .gateUp: 2 * config.feedForwardSize
        }
    }
}

/// Where each adapter's A (r × in) and B (out × r) sit in the adapters' flat buffer, block by block and target by
/// target in ``LoRATarget`` order, and which rows of the fused base weight (equally, columns of the fused output)
/// each one adds to.
struct LoRALayout {
    /// One adapter: block `layer`'s `target`.
    struct Site {
        let layer: Int
        let target: LoRATarget
        /// Its position in ``LoRALayout/sites``.
        let index: Int
        /// Offsets of A (rank × inputSize) and B (outputSize × rank).
        let a: Int
        let b: Int
        let inputSize: Int
        let outputSize: Int
        /// The first row of the fused base weight (and column of the fused output) that the target owns.
        let column: Int
        var product: LoRAProduct { LoRAProduct(target) }
    }

    let rank: Int
    private(set) var sites: [Site] = []
    private(set) var count = 0
    /// Site indices by layer, then by ``LoRAProduct`` raw value.
    private var byProduct: [[[Int]]] = []

    init(model config: LlamaConfig, lora: LoRAConfig) {
        rank = lora.rank
        let (c, q, kv, f) = (config.embeddingSize, config.queryWidth, config.keyValueWidth, config.feedForwardSize)
        for layer in 0..<config.layerCount {
            var products = [[Int]](repeating: [], count: LoRAProduct.allCases.count)
            for target in lora.orderedTargets {
                let (input, output, column): (Int, Int, Int) =
                    switch target {
                    case .query: (c, q, 0)
                    case .key: (c, kv, q)
                    case .value: (c, kv, q + kv)
                    case .output: (q, c, 0)
                    case .gate: (c, f, 0)
                    case .up: (c, f, f)
                    case .down: (f, c, 0)
                    }
                let a = count
                let b = a + rank * input
                count = b + output * rank
                products[LoRAProduct(target).rawValue].append(sites.count)
                sites.append(
                    Site(
                        layer: layer, target: target, index: sites.count, a: a, b: b, inputSize: input,
                        outputSize: output, column: column))
            }
            byProduct.append(products)
        }
    }

    /// The adapters on block `layer`'s `product`.
    func sites(layer: Int, product: LoRAProduct) -> [Site] { byProduct[layer][product.rawValue].map { sites[$0] } }

    /// The adapter on block `layer`'s `target`, if that target has one.
    func site(layer: Int, target: LoRATarget) -> Site? {
        byProduct[layer][LoRAProduct(target).rawValue].lazy.map { sites[$0] }.first { $0.target == target }
    }
}
