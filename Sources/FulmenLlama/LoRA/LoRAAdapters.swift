public import FulmenModel

/// A Llama's LoRA adapters: every A and B in one flat buffer (``LoRALayout``), their gradients in another of the
/// same layout, and the low-rank activations `u = x Aᵀ` the backward pass needs.
///
/// The adapters live in the model's row order, GGUF's: the B of `q_proj` and `k_proj` has its rows permuted within
/// each head as llama.cpp's converter permutes the base weight's (``Llama/exportAdapters(baseModel:)`` undoes that). A model
/// owns its adapters (``Llama/attachAdapters(_:seed:)``); like the model, they are not thread-safe.
public final class LoRAAdapters {
    /// The adapters' shape.
    public let config: LoRAConfig
    let model: LlamaConfig
    let layout: LoRALayout
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    private let dropout: LoRADropout
    private var dropoutRandom: SeededRandom
    /// The dropout seed of the pass in progress; nil when the pass applies no dropout.
    private var passSeed: UInt64?
    /// Rows the workspace holds.
    private var rowCapacity = 0
    /// The widest adapter input.
    private let widestInput: Int
    /// `u` of every adapter, (R, r) each, adapter by adapter.
    private var lowRank = FloatBuffer(count: 0)
    /// The dropped input (R, in) and its gradient (R, in), then `du` (R, r).
    private var scratch = FloatBuffer(count: 0)

    /// Adapters initialised as PEFT does: A Kaiming-uniform (`kaiming_uniform_(a=√5)`, so uniform in ±1/√in),
    /// B zero, so the adapted model starts equal to its base. `seed` also seeds the training dropout.
    init(model: LlamaConfig, config: LoRAConfig, seed: UInt64) {
        self.model = model
        self.config = config
        layout = LoRALayout(model: model, lora: config)
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: layout.count)
        dropout = LoRADropout(probability: config.dropout)
        widestInput = layout.sites.map(\.inputSize).max() ?? 0
        var random = SeededRandom(seed: seed)
        for site in layout.sites {
            let bound = 1 / Float(site.inputSize).squareRoot()
            for i in 0..<(config.rank * site.inputSize) {
                parameters.base[site.a + i] = (random.nextUnitFloat() * 2 - 1) * bound
            }
        }
        dropoutRandom = SeededRandom(seed: random.next())
    }

    /// The number of adapter values (A and B of every adapter).
    public var parameterCount: Int { layout.count }

    /// Copies of block `layer`'s `target` adapter, A (r, in) and B (out, r) in the model's (GGUF's) row order, or
    /// nil if that target has no adapter.
    public func matrices(layer: Int, target: LoRATarget) -> (a: Tensor, b: Tensor)? {
        guard layer >= 0, layer < model.layerCount, let site = layout.site(layer: layer, target: target) else {
            return nil
        }
        let r = config.rank
        return (
            Tensor(shape: [r, site.inputSize], scalars: parameters.copy(offset: site.a, count: r * site.inputSize)),
            Tensor(shape: [site.outputSize, r], scalars: parameters.copy(offset: site.b, count: site.outputSize * r))
        )
    }

    /// The Euclidean norm of the adapters' gradients.
    var gradientNorm: Float {
        var total = 0.0
        var i = 0
        while i < gradients.count {
            let n = min(4096, gradients.count - i)
            total += Double(VectorMath.dot(gradients.base + i, gradients.base + i, n))
            i += n
        }
        return Float(total.squareRoot())
    }

    /// Starts a pass over `rows` rows: grows the workspace and, when `training`, draws the dropout seed (or takes
    /// `dropoutSeed`, so that tests can repeat a pass's masks).
    func beginPass(rows: Int, training: Bool, dropoutSeed: UInt64? = nil) {
        passSeed = training && config.dropout > 0 ? dropoutSeed ?? dropoutRandom.next() : nil
        guard rows > rowCapacity else { return }
        rowCapacity = rows
        lowRank = FloatBuffer(count: layout.sites.count * rows * config.rank)
        scratch = FloatBuffer(count: rows * (2 * widestInput + config.rank))
    }

    /// Adds block `layer`'s adapters on `product` to its output rows (the fused product's, `rows` of them),
    /// given the product's input rows. Call ``beginPass(rows:training:)`` first.
    func forward(_ product: LoRAProduct, layer: Int, input: UnsafePointer<Float>, output: FloatPointer, rows: Int) {
        for site in layout.sites(layer: layer, product: product) {
            let x = droppedInput(site, input: input, rows: rows)
            LowRankProduct.forward(
                output: output + site.column, ldy: product.width(model), lowRank: lowRank(site), input: x,
                a: parameters.base + site.a, b: parameters.base + site.b, rows: rows, inputSize: site.inputSize,
                outputSize: site.outputSize, rank: config.rank, scale: config.scale)
        }
    }

    /// The backward pass of the last ``forward(_:layer:input:output:rows:)`` on block `layer`'s `product`: adds
    /// the adapters' gradients, and adds their share of the input's gradient into `inputGradient`.
    func backward(
        _ product: LoRAProduct, layer: Int, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        inputGradient: FloatPointer, rows: Int
    ) {
        for site in layout.sites(layer: layer, product: product) {
            let x = droppedInput(site, input: input, rows: rows)
            let count = rows * site.inputSize
            let dropped = passSeed != nil
            let dx = dropped ? scratch.base + rowCapacity * widestInput : inputGradient
            let du = scratch.base + 2 * rowCapacity * widestInput
            LowRankProduct.backward(
                inputGradient: dx, accumulateInput: !dropped, aGradient: gradients.base + site.a,
                bGradient: gradients.base + site.b, outputGradient: outputGradient + site.column,
                ldy: product.width(model), lowRank: lowRank(site), input: x, a: parameters.base + site.a,
                b: parameters.base + site.b, scratch: du, rows: rows, inputSize: site.inputSize,
                outputSize: site.outputSize, rank: config.rank, scale: config.scale)
            if let passSeed {
                let seed = LoRADropout.siteSeed(pass: passSeed, site: site.index)
                dropout.apply(output: dx, input: dx, count: count, seed: seed)
                VectorMath.add(inputGradient, dx, count)
            }
        }
    }

    private func lowRank(_ site: LoRALayout.Site) -> FloatPointer {
        lowRank.base + site.index * rowCapacity * config.rank
    }

    /// The input itself, or, in a training pass with dropout, its dropped copy in the scratch.
    private func droppedInput(_ site: LoRALayout.Site, input: UnsafePointer<Float>, rows: Int) -> UnsafePointer<Float> {
        guard let passSeed else { return input }
        dropout.apply(
            output: scratch.base, input: input, count: rows * site.inputSize,
            seed: LoRADropout.siteSeed(pass: passSeed, site: site.index))
        return UnsafePointer(scratch.base)
    }
}
