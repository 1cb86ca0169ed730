import Foundation

/// The policy language model: a byte-level decoder-only transformer (the model of `peers/torch_tinygpt.py`),
/// with training, sampling and checkpoints.
///
/// Parameters, their gradients and each worker's activations live in preallocated flat buffers; matrix products
/// run on OpenBLAS, everything else in vectorised loops. A model is not thread-safe: keep it inside one actor
/// (or one thread), and let ``threadCount`` spread each call over the cores.
///
/// ```swift
/// let model = try GPT(config: .tiny, seed: 1)
/// let optimizer = AdamW(model: model)
/// let batch = try TrainingBatch.languageModeling(sequences: [Tokenizer.encode("hello, world")])
/// model.zeroGradients()
/// let loss = try model.accumulateGradients(for: batch)
/// model.clipGradientNorm(to: 1)
/// optimizer.update(model, learningRate: 3e-4)
/// let reply = try model.generate([GenerationRequest(prompt: Tokenizer.encode("hel"), maxNewTokens: 8)])
/// ```
public final class GPT {
    /// The model's shape.
    public let config: GPTConfig
    /// How many threads a call may use. Training and log-probability calls split their sequences over this many
    /// workers, generation its requests; each worker calls OpenBLAS single-threaded. Default 1. Calls block the
    /// calling thread until every worker is done, so call them from a dedicated thread or executor rather than the
    /// Swift concurrency pool when other tasks must keep running.
    public var threadCount: Int {
        didSet { threadCount = max(1, threadCount) }
    }

    let layout: ParameterLayout
    let parameters: FloatBuffer
    let gradients: FloatBuffer
    var trainingWorkspaces: [TrainingWorkspace] = []
    var generationWorkspaces: [GenerationWorkspace] = []
    /// Counts changes of the parameters, so that derived copies (``InferenceWeights``) know when they are stale.
    private(set) var parameterVersion = 0
    var cachedInferenceWeights: InferenceWeights?

    /// Creates a model with the reference's GPT-2 style initialisation: biases 0, LayerNorm weights 1, the
    /// residual projections (`proj`, `fc2`) normal with std 0.02/√(2L), every other weight normal with std 0.02.
    ///
    /// - Parameters:
    ///   - config: The shape.
    ///   - seed: Seed of the initial weights; the same seed gives the same model.
    ///   - threadCount: See ``threadCount``.
    /// - Throws: ``ModelError`` if the configuration is invalid.
    public init(config: GPTConfig, seed: UInt64 = 0, threadCount: Int = 1) throws(ModelError) {
        try config.validate()
        self.config = config
        self.threadCount = max(1, threadCount)
        layout = ParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: layout.count)
        BLAS.threadCount = 1
        var random = SeededRandom(seed: seed)
        let residualStd = 0.02 / Float(2 * config.layerCount).squareRoot()
        for entry in layout.entries {
            let p = parameters.base + entry.offset
            if entry.name.hasSuffix("bias") {
                p.update(repeating: 0, count: entry.count)
            } else if entry.name.contains("ln") {
                p.update(repeating: 1, count: entry.count)
            } else {
                let std = entry.name.hasSuffix("proj.weight") || entry.name.hasSuffix("fc2.weight") ? residualStd : 0.02
                for i in 0..<entry.count { p[i] = std * random.nextGaussian() }
            }
        }
    }

    /// The number of trainable parameters (equal to ``GPTConfig/parameterCount``).
    public var parameterCount: Int { layout.count }

    /// The names of the parameter tensors, in checkpoint order
    /// (`wte.weight`, `wpe.weight`, `blocks.0.ln1.weight`, …).
    public var tensorNames: [String] { layout.entries.map(\.name) }

    /// A copy of one parameter tensor, or nil if there is none of that name.
    public func tensor(named name: String) -> Tensor? {
        guard let entry = layout.entries.first(where: { $0.name == name }) else { return nil }
        return Tensor(shape: entry.shape, scalars: parameters.copy(offset: entry.offset, count: entry.count))
    }

    /// A copy of one parameter tensor's gradient, or nil if there is none of that name.
    public func gradient(named name: String) -> Tensor? {
        guard let entry = layout.entries.first(where: { $0.name == name }) else { return nil }
        return Tensor(shape: entry.shape, scalars: gradients.copy(offset: entry.offset, count: entry.count))
    }

    /// Replaces one parameter tensor.
    ///
    /// - Throws: ``ModelError`` if there is no such tensor or the shape differs.
    public func setTensor(named name: String, to tensor: Tensor) throws(ModelError) {
        guard let entry = layout.entries.first(where: { $0.name == name }) else {
            throw ModelError("GPT: no parameter tensor named '\(name)'")
        }
        guard entry.shape == tensor.shape else {
            throw ModelError("GPT: tensor '\(name)' has shape \(entry.shape), got \(tensor.shape)")
        }
        tensor.scalars.withUnsafeBufferPointer {
            (parameters.base + entry.offset).update(from: $0.baseAddress!, count: entry.count)
        }
        parametersChanged()
    }

    /// Records that the parameters were written; every writer of `parameters` outside initialisation calls it.
    func parametersChanged() { parameterVersion += 1 }

    /// Sets every gradient to zero; gradients otherwise accumulate over ``accumulateGradients(for:)`` calls.
    public func zeroGradients() { gradients.zero() }

    /// The Euclidean norm of all gradients together.
    public var gradientNorm: Float { Float(sumOfSquares(gradients.base, gradients.count).squareRoot()) }

    /// Scales the gradients down so that their global norm is at most `maxNorm`.
    ///
    /// - Returns: The norm before clipping.
    @discardableResult
    public func clipGradientNorm(to maxNorm: Float) -> Float {
        let norm = gradientNorm
        if norm > maxNorm {
            let factor = maxNorm / (norm + 1e-6)
            for i in 0..<gradients.count { gradients.base[i] *= factor }
        }
        return norm
    }
}

/// Σ x² in double precision, over blocks summed in single precision so that the inner loop vectorises.
func sumOfSquares(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
    var total = 0.0
    var i = 0
    while i < count {
        let n = min(4096, count - i)
        var s = VectorMath.Vector()
        var j = 0
        while j + 8 <= n {
            let v = VectorMath.load(x + i + j)
            s += v * v
            j += 8
        }
        var partial = s.sum()
        while j < n {
            partial += x[i + j] * x[i + j]
            j += 1
        }
        total += Double(partial)
        i += n
    }
    return total
}
