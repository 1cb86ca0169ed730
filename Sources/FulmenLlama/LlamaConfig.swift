/// The shape of a Llama-family decoder: RMSNorm, rotary position embeddings, grouped-query attention and a SwiGLU
/// feed-forward, with a tied or separate LM head.
///
/// Dimensions used throughout the module: V vocabulary, C width (`embeddingSize`), L layers, H query heads,
/// G key/value heads (`keyValueHeadCount`, dividing H), D head size, F feed-forward width.
/// The query projection is (H·D, C), key and value (G·D, C), the attention output (C, H·D).
public struct LlamaConfig: Sendable, Hashable, Codable {
    /// Number of token ids (V).
    public var vocabularySize: Int
    /// Longest sequence the model reads; the rotary table covers these positions.
    public var contextLength: Int
    /// Width of the residual stream (C).
    public var embeddingSize: Int
    /// Number of decoder blocks (L).
    public var layerCount: Int
    /// Number of query heads (H).
    public var headCount: Int
    /// Number of key/value heads (G); each serves H/G consecutive query heads.
    public var keyValueHeadCount: Int
    /// Width of one head (D); even, since rotary embeddings turn pairs of features.
    public var headSize: Int
    /// Width of the SwiGLU hidden layer (F).
    public var feedForwardSize: Int
    /// Added to the mean square in RMSNorm.
    public var rmsNormEpsilon: Float
    /// Base of the rotary frequencies: feature pair i of a head turns by `position · ropeBase^(-2i/D)`.
    public var ropeBase: Float
    /// Whether the LM head is the token embedding (no separate `output.weight`).
    public var tiedEmbeddings: Bool

    /// Creates a configuration; call ``validate()`` before building a model from untrusted values.
    public init(
        vocabularySize: Int, contextLength: Int, embeddingSize: Int, layerCount: Int, headCount: Int,
        keyValueHeadCount: Int, headSize: Int, feedForwardSize: Int, rmsNormEpsilon: Float = 1e-5,
        ropeBase: Float = 10_000, tiedEmbeddings: Bool = true
    ) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.embeddingSize = embeddingSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount
        self.headSize = headSize
        self.feedForwardSize = feedForwardSize
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeBase = ropeBase
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Hugging Face's SmolLM2-135M(-Instruct): 30 blocks of width 576, 9 query heads and 3 key/value heads of 64,
    /// SwiGLU of 1536, eps 1e-5, rope base 100000, context 8192, vocabulary 49152, tied head (134,515,008 parameters).
    public static let smolLM2_135M = LlamaConfig(
        vocabularySize: 49_152, contextLength: 8_192, embeddingSize: 576, layerCount: 30, headCount: 9,
        keyValueHeadCount: 3, headSize: 64, feedForwardSize: 1_536, rmsNormEpsilon: 1e-5, ropeBase: 100_000,
        tiedEmbeddings: true)

    /// Width of all query heads together (H·D).
    public var queryWidth: Int { headCount * headSize }
    /// Width of all key (or value) heads together (G·D).
    public var keyValueWidth: Int { keyValueHeadCount * headSize }
    /// Width of the fused q, k, v projection's output (H·D + 2·G·D).
    var qkvWidth: Int { queryWidth + 2 * keyValueWidth }
    /// Query heads per key/value head (H/G).
    var groupSize: Int { headCount / keyValueHeadCount }

    /// The number of parameters: `V·C (+ V·C untied) + C + L·(2C + 2·C·H·D + 2·C·G·D + 3·C·F)`.
    public var parameterCount: Int {
        let c = embeddingSize
        let block = 2 * c + 2 * c * queryWidth + 2 * c * keyValueWidth + 3 * c * feedForwardSize
        return vocabularySize * c * (tiedEmbeddings ? 1 : 2) + c + layerCount * block
    }

    /// Checks every size and constant.
    ///
    /// - Throws: ``LlamaError/invalidConfiguration(field:reason:)`` naming the offending field.
    public func validate() throws(LlamaError) {
        for (name, value) in [
            ("vocabularySize", vocabularySize), ("contextLength", contextLength), ("embeddingSize", embeddingSize),
            ("layerCount", layerCount), ("headCount", headCount), ("keyValueHeadCount", keyValueHeadCount),
            ("headSize", headSize), ("feedForwardSize", feedForwardSize),
        ] where value <= 0 {
            throw .invalidConfiguration(field: name, reason: "must be positive, got \(value)")
        }
        if headCount % keyValueHeadCount != 0 {
            throw .invalidConfiguration(
                field: "keyValueHeadCount",
                reason: "\(keyValueHeadCount) does not divide headCount \(headCount)")
        }
        if headSize % 2 != 0 {
            throw .invalidConfiguration(field: "headSize", reason: "must be even for rotary embeddings, got \(headSize)")
        }
        if !(rmsNormEpsilon.isFinite && rmsNormEpsilon > 0) {
            throw .invalidConfiguration(field: "rmsNormEpsilon", reason: "must be finite and positive, got \(rmsNormEpsilon)")
        }
        if !(ropeBase.isFinite && ropeBase > 1) {
            throw .invalidConfiguration(field: "ropeBase", reason: "must be finite and above 1, got \(ropeBase)")
        }
        if vocabularySize > Int(Int32.max) {
            throw .invalidConfiguration(
                field: "vocabularySize", reason: "\(vocabularySize) does not fit token ids (Int32)")
        }
    }
}
