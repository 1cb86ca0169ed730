/// The shape of a GPT: the decoder-only transformer of `peers/torch_tinygpt.py`.
///
/// The model is byte level: token ids are UTF-8 bytes, with the special tokens of ``Tokenizer`` placed on byte
/// values that never occur in UTF-8, so the presets keep the reference's 256-entry vocabulary and parameter count.
public struct GPTConfig: Sendable, Hashable, Codable {
    /// Number of token ids (V); 256 for byte-level text.
    public var vocabularySize: Int
    /// Longest sequence the model reads (T max); the size of the position embedding.
    public var contextLength: Int
    /// Width of the residual stream (C, `d_model`).
    public var embeddingSize: Int
    /// Number of transformer blocks (L).
    public var layerCount: Int
    /// Number of attention heads (H); must divide `embeddingSize`.
    public var headCount: Int

    /// Creates a configuration; call ``validate()`` before building a model from untrusted values.
    public init(vocabularySize: Int = 256, contextLength: Int, embeddingSize: Int, layerCount: Int, headCount: Int) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.embeddingSize = embeddingSize
        self.layerCount = layerCount
        self.headCount = headCount
    }

    /// The reference's `tiny` preset: d=128, L=4, H=4, ctx=128 (842,496 parameters).
    public static let tiny = GPTConfig(contextLength: 128, embeddingSize: 128, layerCount: 4, headCount: 4)

    /// The reference's `small` preset: d=256, L=6, H=8, ctx=256 (4,870,144 parameters).
    public static let small = GPTConfig(contextLength: 256, embeddingSize: 256, layerCount: 6, headCount: 8)

    /// Width of one attention head (`embeddingSize / headCount`).
    public var headSize: Int { embeddingSize / headCount }

    /// The number of trainable parameters: `V*d + ctx*d + L*(12*d*d + 13*d) + 2*d`, the reference's formula.
    public var parameterCount: Int {
        let d = embeddingSize
        return vocabularySize * d + contextLength * d + layerCount * (12 * d * d + 13 * d) + 2 * d
    }

    /// Training FLOPs per token, `6*N + 12*L*d*ctx` with N the parameters less the position embedding
    /// (the reference's and nanoGPT's estimate).
    public var trainingFLOPsPerToken: Int {
        6 * (parameterCount - contextLength * embeddingSize) + 12 * layerCount * embeddingSize * contextLength
    }

    /// Checks that every size is positive and that the heads divide the embedding.
    ///
    /// - Throws: ``ModelError`` naming the offending field.
    public func validate() throws(ModelError) {
        for (name, value) in [
            ("vocabularySize", vocabularySize), ("contextLength", contextLength), ("embeddingSize", embeddingSize),
            ("layerCount", layerCount), ("headCount", headCount),
        ] where value <= 0 {
            throw ModelError("invalid GPTConfig: \(name) must be positive, got \(value)")
        }
        if embeddingSize % headCount != 0 {
            throw ModelError(
                "invalid GPTConfig: embeddingSize \(embeddingSize) is not divisible by headCount \(headCount)")
        }
        if vocabularySize > Int(Int32.max) {
            throw ModelError("invalid GPTConfig: vocabularySize \(vocabularySize) does not fit token ids (Int32)")
        }
    }
}
