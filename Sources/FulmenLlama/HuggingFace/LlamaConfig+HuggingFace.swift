public import ModelFiles

extension LlamaConfig {
    /// The configuration a Hugging Face `config.json` of a `LlamaForCausalLM` describes: width, blocks, query and
    /// key/value heads, head size, SwiGLU width, RMSNorm eps, rope base, context (`max_position_embeddings`),
    /// vocabulary and whether the LM head is tied.
    ///
    /// What Fulmen's decoder does not compute is refused rather than run wrongly: rotary scaling (Llama 3.1's
    /// `llama3`, `linear`, `dynamic`, `yarn`) and biases on the attention or MLP projections. (`HuggingFaceConfig`
    /// itself refuses other architectures.)
    ///
    /// - Parameter path: names the `config.json` in errors.
    /// - Throws: ``LlamaError/unsupportedModelFile(path:reason:)`` naming the feature,
    ///   ``LlamaError/invalidConfiguration(field:reason:)`` for values out of range.
    public init(huggingFace config: HuggingFaceConfig, path: String = "config.json") throws(LlamaError) {
        func refuse(_ reason: String) -> LlamaError { .unsupportedModelFile(path: path, reason: reason) }
        if let scaling = config.ropeScalingType, scaling != "default" {
            throw refuse("rope scaling '\(scaling)' is not supported")
        }
        if config.attentionBias { throw refuse("attention_bias (biases on q, k, v, o) is not supported") }
        if config.mlpBias { throw refuse("mlp_bias (biases on gate, up, down) is not supported") }
        self.init(
            vocabularySize: config.vocabularySize, contextLength: config.maxPositionEmbeddings,
            embeddingSize: config.hiddenSize, layerCount: config.layerCount, headCount: config.attentionHeadCount,
            keyValueHeadCount: config.keyValueHeadCount, headSize: config.headDimension,
            feedForwardSize: config.intermediateSize, rmsNormEpsilon: Float(config.rmsNormEpsilon),
            ropeBase: Float(config.ropeTheta), tiedEmbeddings: config.tieWordEmbeddings)
        try validate()
    }
}
