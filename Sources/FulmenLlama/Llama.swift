public import FulmenModel
import ModelFiles

/// A Llama-family decoder (SmolLM2, Llama, Qwen2-style without biases): RMSNorm, rotary position embeddings,
/// grouped-query attention and a SwiGLU feed-forward, with training, batched generation on a paged key/value
/// cache, and checkpoints.
///
/// As with ``GPT``, parameters, gradients and activations live in flat buffers cut by offset (the layout is
/// ``LlamaConfig``'s, under GGUF's tensor names); products run on OpenBLAS, spread over ``threadCount`` workers by
/// slices of the weights, so a single sequence uses every core. Gradients are allocated on first use, so a model
/// that only generates holds its weights once. A model is not thread-safe: keep it inside one actor or queue.
///
/// ```swift
/// let model = try Llama(config: config, weights: tensors)   // [String: Tensor] under GGUF names
/// let replies = try model.generate([GenerationRequest(prompt: ids, maxNewTokens: 32)])
/// ```
public final class Llama {
    /// The model's shape.
    public let config: LlamaConfig
    /// How many threads a call may use (OpenBLAS itself stays single-threaded per worker). Default 1.
    public var threadCount: Int {
        didSet { threadCount = max(1, threadCount) }
    }
    /// Positions per key/value cache block.
    public let cacheBlockSize: Int
    /// The most key/value cache blocks generation may hold, or nil for as many as a call needs.
    public var maximumCacheBlocks: Int?

    let layout: LlamaParameterLayout
    let parameters: FloatBuffer
    private var gradientStorage: FloatBuffer?
    let rotary: RotaryEmbedding
    var activations: LlamaActivations?
    var generationWorkspace: LlamaGenerationWorkspace?
    var cachePool: KVBlockPool?
    /// The LoRA adapters on the frozen base, if any (``attachAdapters(_:seed:)``): while attached, training computes
    /// and the optimiser updates only theirs.
    public internal(set) var adapters: LoRAAdapters?
    /// See ``decodingWeights``.
    var decodingWeightsSetting = LlamaDecodingWeights.float32
    /// The compact copy of the matrices for ``LlamaDecodingWeights/compact`` decoding, once made.
    var compactWeightsStorage: LlamaCompactWeights?
    /// The GGUF file the weights were loaded from, while they are still its values (nil once they change).
    var weightsFile: GGUFFile?

    private init(config: LlamaConfig, threadCount: Int, cacheBlockSize: Int) throws(LlamaError) {
        try config.validate()
        guard cacheBlockSize > 0, cacheBlockSize % 8 == 0 else {
            throw .invalidConfiguration(
                field: "cacheBlockSize", reason: "must be a positive multiple of 8, got \(cacheBlockSize)")
        }
        self.config = config
        self.threadCount = max(1, threadCount)
        self.cacheBlockSize = cacheBlockSize
        layout = LlamaParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.count)
        rotary = RotaryEmbedding(headSize: config.headSize, positions: config.contextLength, base: config.ropeBase)
        BLAS.threadCount = 1
    }

    /// Creates a model with random weights: norms 1, matrices normal with std 0.02, the residual projections
    /// (`attn_output`, `ffn_down`) with std 0.02/√(2L). For tests and training from scratch.
    ///
    /// - Parameters:
    ///   - seed: Seed of the weights; the same seed gives the same model.
    ///   - cacheBlockSize: Positions per key/value cache block (a multiple of 8).
    /// - Throws: ``LlamaError/invalidConfiguration(field:reason:)``.
    public convenience init(
        config: LlamaConfig, seed: UInt64, threadCount: Int = 1, cacheBlockSize: Int = 16
    ) throws(LlamaError) {
        try self.init(config: config, threadCount: threadCount, cacheBlockSize: cacheBlockSize)
        var random = SeededRandom(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layerCount).squareRoot()
        for entry in layout.entries {
            let p = parameters.base + entry.offset
            if entry.shape.count == 1 {
                p.update(repeating: 1, count: entry.count)
            } else {
                let residual = entry.name.hasSuffix("attn_output.weight") || entry.name.hasSuffix("ffn_down.weight")
                let std = residual ? residualStd : 0.02
                for i in 0..<entry.count { p[i] = std * random.nextGaussian() }
            }
        }
    }

    /// Creates a model from Float32 weights under GGUF's names (`token_embd.weight`, `blk.N.attn_q.weight`, …),
    /// shapes outermost first.
    ///
    /// - Throws: ``LlamaError`` naming the first tensor that is missing, unexpected (an `output.weight` when the
    ///   embeddings are tied), misshapen, unreadable or not finite, or the invalid configuration field.
    public convenience init(
        config: LlamaConfig, weights: some LlamaWeightSource, threadCount: Int = 1, cacheBlockSize: Int = 16
    ) throws(LlamaError) {
        try self.init(config: config, threadCount: threadCount, cacheBlockSize: cacheBlockSize)
        let expected = Set(layout.entries.map(\.name))
        if let unexpected = weights.tensorNames.sorted().first(where: { !expected.contains($0) }) {
            throw .unexpectedTensor(name: unexpected)
        }
        for entry in layout.entries {
            guard let shape = weights.shape(of: entry.name) else { throw .missingTensor(name: entry.name) }
            guard shape == entry.shape else {
                throw .tensorShape(name: entry.name, expected: entry.shape, actual: shape)
            }
            let destination = UnsafeMutableBufferPointer(start: parameters.base + entry.offset, count: entry.count)
            do {
                try weights.read(entry.name, into: destination)
            } catch let error as LlamaError {
                throw error
            } catch {
                throw .unreadableTensor(name: entry.name, reason: "\(error)")
            }
            if let index = destination.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteValue(name: entry.name, index: index)
            }
        }
    }

    /// The number of parameters (equal to ``LlamaConfig/parameterCount``).
    public var parameterCount: Int { layout.count }

    /// The names of the parameter tensors, in layout and checkpoint order.
    public var tensorNames: [String] { layout.entries.map(\.name) }

    /// A copy of one parameter tensor, or nil if there is none of that name.
    public func tensor(named name: String) -> Tensor? {
        guard let entry = layout.entry(named: name) else { return nil }
        return Tensor(shape: entry.shape, scalars: parameters.copy(offset: entry.offset, count: entry.count))
    }

    /// A copy of one parameter tensor's gradient, or nil if there is none of that name.
    public func gradient(named name: String) -> Tensor? {
        guard let entry = layout.entry(named: name) else { return nil }
        return Tensor(shape: entry.shape, scalars: gradients.copy(offset: entry.offset, count: entry.count))
    }

    /// Replaces one parameter tensor.
    ///
    /// - Throws: ``ModelError`` if there is no such tensor or the shape differs.
    public func setTensor(named name: String, to tensor: Tensor) throws(ModelError) {
        guard let entry = layout.entry(named: name) else {
            throw LlamaError.missingTensor(name: name).modelError
        }
        guard entry.shape == tensor.shape else {
            throw LlamaError.tensorShape(name: name, expected: entry.shape, actual: tensor.shape).modelError
        }
        tensor.scalars.withUnsafeBufferPointer {
            (parameters.base + entry.offset).update(from: $0.baseAddress!, count: entry.count)
        }
        weightsDidChange()
    }

    /// The gradient buffer, laid out as the parameters; allocated (zero) on first use.
    var gradients: FloatBuffer {
        if let gradientStorage { return gradientStorage }
        let buffer = FloatBuffer(count: layout.count)
        gradientStorage = buffer
        return buffer
    }

    /// Sets every gradient to zero (the adapters' too); gradients otherwise accumulate over
    /// ``accumulateGradients(for:)`` calls.
    public func zeroGradients() {
        gradientStorage?.zero()
        adapters?.gradients.zero()
    }

    /// The Euclidean norm of all trainable gradients together: the adapters' when adapters are attached.
    public var gradientNorm: Float {
        if let adapters { return adapters.gradientNorm }
        guard let g = gradientStorage else { return 0 }
        var total = 0.0
        var i = 0
        while i < g.count {
            let n = min(4096, g.count - i)
            total += Double(VectorMath.dot(g.base + i, g.base + i, n))
            i += n
        }
        return Float(total.squareRoot())
    }

    /// Scales the gradients down so that their global norm is at most `maxNorm`.
    ///
    /// - Returns: The norm before clipping.
    @discardableResult
    public func clipGradientNorm(to maxNorm: Float) -> Float {
        let norm = gradientNorm
        if norm > maxNorm, let g = adapters?.gradients ?? gradientStorage {
            let factor = maxNorm / (norm + 1e-6)
            for i in 0..<g.count { g.base[i] *= factor }
        }
        return norm
    }

    /// Checks that every token is in the vocabulary and the sequence fits the context.
    func validate(tokens: [Int32], what: String) throws(ModelError) {
        if tokens.count > config.contextLength {
            throw ModelError(
                "\(what) has \(tokens.count) tokens, more than the context length \(config.contextLength)")
        }
        if let index = tokens.firstIndex(where: { $0 < 0 || Int($0) >= config.vocabularySize }) {
            throw ModelError(
                "\(what): token id \(tokens[index]) at index \(index) is outside the vocabulary "
                    + "0..<\(config.vocabularySize)")
        }
    }
}
