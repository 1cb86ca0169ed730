public import ModelFiles

extension LlamaConfig {
    /// The configuration a GGUF file of architecture `llama` describes in its `llama.*` metadata (llama.cpp's
    /// keys); tied embeddings when the file has no `output.weight`.
    ///
    /// - Throws: ``LlamaError/unsupportedModelFile(path:reason:)`` naming another architecture, rope scaling, partial
    ///   rotary dimensions or a missing or mistyped key; ``LlamaError/invalidConfiguration(field:reason:)`` for values
    ///   out of range.
    public init(gguf: GGUFFile) throws(LlamaError) {
        let metadata = gguf.metadata
        func refuse(_ reason: String) -> LlamaError { .unsupportedModelFile(path: gguf.path, reason: reason) }
        do {
            let architecture = try metadata.string("general.architecture")
            guard architecture == "llama" else {
                throw refuse("architecture '\(architecture)' is not one Fulmen runs (it runs llama)")
            }
            func integer(_ key: String) throws -> Int { try metadata.integer("llama." + key) }
            let width = try integer("embedding_length")
            let heads = try integer("attention.head_count")
            let headSize = metadata.contains("llama.attention.key_length") ? try integer("attention.key_length") : width / max(heads, 1)
            if metadata.contains("llama.rope.dimension_count"), try integer("rope.dimension_count") != headSize {
                throw refuse("rotary embeddings over \(try integer("rope.dimension_count")) of \(headSize) head dimensions are not supported")
            }
            if metadata.contains("llama.rope.scaling.type"), try metadata.string("llama.rope.scaling.type") != "none" {
                throw refuse("rope scaling '\(try metadata.string("llama.rope.scaling.type"))' is not supported")
            }
            let vocabulary =
                metadata.contains("llama.vocab_size")
                ? try integer("vocab_size") : try metadata.array("tokenizer.ggml.tokens").count
            self.init(
                vocabularySize: vocabulary, contextLength: try integer("context_length"), embeddingSize: width,
                layerCount: try integer("block_count"), headCount: heads,
                keyValueHeadCount: metadata.contains("llama.attention.head_count_kv") ? try integer("attention.head_count_kv") : heads,
                headSize: headSize, feedForwardSize: try integer("feed_forward_length"),
                rmsNormEpsilon: try metadata.float32("llama.attention.layer_norm_rms_epsilon"),
                ropeBase: metadata.contains("llama.rope.freq_base") ? try metadata.float32("llama.rope.freq_base") : 10_000,
                tiedEmbeddings: gguf.info(named: "output.weight") == nil)
        } catch let error as LlamaError {
            throw error
        } catch {
            throw refuse("\(error)")
        }
        try validate()
    }
}

/// A GGUF file's tensors as a model's weights: each dequantised to Float32 straight into the model's buffer, with
/// GGUF's innermost-first dimensions turned outermost-first.
public struct GGUFWeights: LlamaWeightSource {
    public let file: GGUFFile

    public init(_ file: GGUFFile) {
        self.file = file
    }

    public var tensorNames: [String] { file.tensors.map(\.name) }

    public func shape(of name: String) -> [Int]? { file.info(named: name).map { $0.dimensions.reversed() } }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let tensor = try file.tensor(named: name)
        try tensor.dequantize(rows: 0..<tensor.info.rowCount, into: destination)
    }
}

extension Llama {
    /// The model a GGUF file holds: its configuration from the metadata, its weights dequantised to Float32, and,
    /// with `decodingWeights` `.compact` (the default), the file's Q8_0/Q4_1 blocks kept for one-sequence decoding
    /// (matrices of other types re-quantised to Q8_0): 96 MB more for SmolLM2-135M's Q4_1 file.
    ///
    /// - Throws: ``LlamaError`` naming what the file lacks or what Fulmen cannot run.
    public convenience init(
        gguf: GGUFFile, threadCount: Int = 1, cacheBlockSize: Int = 16,
        decodingWeights: LlamaDecodingWeights = .compact
    ) throws(LlamaError) {
        try self.init(
            config: try LlamaConfig(gguf: gguf), weights: GGUFWeights(gguf), threadCount: threadCount,
            cacheBlockSize: cacheBlockSize)
        weightsFile = gguf
        self.decodingWeights = decodingWeights
        if decodingWeights == .compact { _ = compactWeights }
    }
}
