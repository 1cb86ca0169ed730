public import Foundation
public import ModelFiles

extension Llama {
    /// The model a Hugging Face directory holds (`config.json` of a `LlamaForCausalLM`, `model.safetensors` or its
    /// shards in F32, F16 or BF16), its weights converted to Float32 and the q/k rows put in GGUF's order.
    ///
    /// With `decodingWeights` `.compact` (the default, as for a GGUF file) one-sequence decoding reads the matrices
    /// re-quantised to Q8_0; `.float32` keeps decoding on the Float32 weights.
    ///
    /// - Throws: ``LlamaError/modelDirectory(_:)`` for a directory that cannot be opened (no config, unsupported
    ///   architecture, no weights, a corrupt shard), and the errors of ``LlamaConfig/init(huggingFace:path:)``,
    ///   ``HuggingFaceWeights/init(_:config:)`` and ``init(config:weights:threadCount:cacheBlockSize:)``.
    public convenience init(
        huggingFaceDirectory url: URL, threadCount: Int = 1, cacheBlockSize: Int = 16,
        decodingWeights: LlamaDecodingWeights = .compact
    ) throws(LlamaError) {
        let directory: HuggingFaceModelDirectory
        do { directory = try HuggingFaceModelDirectory(directory: url.path) } catch { throw .modelDirectory(error) }
        try self.init(
            huggingFace: directory, threadCount: threadCount, cacheBlockSize: cacheBlockSize,
            decodingWeights: decodingWeights)
    }

    /// The model of an opened Hugging Face directory (see
    /// ``init(huggingFaceDirectory:threadCount:cacheBlockSize:decodingWeights:)``).
    public convenience init(
        huggingFace directory: HuggingFaceModelDirectory, threadCount: Int = 1, cacheBlockSize: Int = 16,
        decodingWeights: LlamaDecodingWeights = .compact
    ) throws(LlamaError) {
        let configPath = URL(fileURLWithPath: directory.directory)
            .appendingPathComponent(HuggingFaceModelDirectory.configFile).path
        let config = try LlamaConfig(huggingFace: directory.config, path: configPath)
        try self.init(
            config: config, weights: try HuggingFaceWeights(directory, config: config), threadCount: threadCount,
            cacheBlockSize: cacheBlockSize)
        self.decodingWeights = decodingWeights
        if decodingWeights == .compact { _ = compactWeights }
    }
}
