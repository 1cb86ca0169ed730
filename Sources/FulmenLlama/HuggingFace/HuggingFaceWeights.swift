public import ModelFiles

/// A Hugging Face model directory's safetensors (one file or index-listed shards; F32, F16 or BF16) as a model's
/// weights under GGUF's names (``HuggingFaceTensorNames``), each converted to Float32 straight into the model's
/// buffer; the rows of q and k reordered into the GGUF order the model computes in (``RotaryRowOrder``).
///
/// Opening checks what the model will read, so that a bad directory fails before any weight is copied: every
/// tensor the configuration needs is there, of a dtype Fulmen reads and of the right shape. With tied embeddings a
/// saved `lm_head.weight` is ignored, as transformers ignores it; a tensor with no place in the model (a bias, say)
/// is listed under its own name, which ``Llama/init(config:weights:threadCount:cacheBlockSize:)`` refuses.
public struct HuggingFaceWeights: LlamaWeightSource {
    public let directory: HuggingFaceModelDirectory
    public let config: LlamaConfig
    /// Hugging Face name of each layout tensor, by GGUF name.
    private let sources: [String: String]
    /// Hugging Face tensors with no place in the model.
    private let unplaced: [String]

    /// The weights of `directory` for a model of shape `config`.
    ///
    /// - Throws: ``LlamaError/missingTensor(name:)`` and ``LlamaError/tensorShape(name:expected:actual:)`` under
    ///   the Hugging Face name, ``LlamaError/unsupportedModelFile(path:reason:)`` naming a tensor of a dtype other
    ///   than F32, F16 or BF16.
    public init(_ directory: HuggingFaceModelDirectory, config: LlamaConfig) throws(LlamaError) {
        self.directory = directory
        self.config = config
        var sources: [String: String] = [:]
        for entry in LlamaParameterLayout(config: config).entries {
            // The layout's names are all in the table.
            guard let name = HuggingFaceTensorNames.huggingFaceName(ggufName: entry.name) else {
                throw .unexpectedTensor(name: entry.name)
            }
            let tensor: SafetensorsTensor
            do { tensor = try directory.tensor(named: name) } catch { throw .missingTensor(name: name) }
            guard tensor.dtype.isSupported else {
                throw .unsupportedModelFile(
                    path: directory.directory,
                    reason: "tensor '\(name)' has dtype \(tensor.dtype.rawValue); only F32, F16 and BF16 are read")
            }
            guard tensor.shape == entry.shape else {
                throw .tensorShape(name: name, expected: entry.shape, actual: tensor.shape)
            }
            sources[entry.name] = name
        }
        let placed = Set(sources.values)
        unplaced = directory.tensorNames.filter { name in
            !placed.contains(name) && !HuggingFaceTensorNames.isDerived(huggingFaceName: name)
                && !(config.tiedEmbeddings && name == "lm_head.weight")
        }
        self.sources = sources
    }

    public var tensorNames: [String] { Array(sources.keys) + unplaced }

    public func shape(of name: String) -> [Int]? {
        guard let source = sources[name] else { return nil }
        return try? directory.tensor(named: source).shape
    }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let source = sources[name] else { throw LlamaError.missingTensor(name: name) }
        let tensor = try directory.tensor(named: source)
        guard HuggingFaceTensorNames.isRotaryProjection(ggufName: name), tensor.shape.count == 2 else {
            try tensor.read(into: destination)
            return
        }
        let reordered = RotaryRowOrder.toGGUF(
            try tensor.floats(), rows: tensor.shape[0], width: tensor.shape[1], headSize: config.headSize)
        _ = destination.update(fromContentsOf: reordered)
    }
}
