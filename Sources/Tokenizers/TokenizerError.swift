/// Why a tokenizer could not be built, or could not decode.
public enum TokenizerError: Error, Equatable, Sendable {
    /// Token texts and token kinds have different lengths.
    case tokenKindCountMismatch(tokens: Int, kinds: Int)
    /// A token kind number that GGUF does not define.
    case unknownTokenKind(Int32, token: Int)
    /// Two vocabulary entries with the same text (`tokenizer.json`'s vocab and added tokens disagree, or GGUF repeats).
    case duplicateToken(String, ids: [Int32])
    /// A merge is not two token texts separated by one space.
    case malformedMerge(String, rank: Int)
    /// A merge names a token (a side, or their concatenation) that is not in the vocabulary.
    case mergeOfUnknownToken(merge: String, rank: Int, missing: String)
    /// A tokenizer model (GGUF `tokenizer.ggml.model`) other than byte-level BPE (`gpt2`), by name.
    case unsupportedModel(String)
    /// The model file's tokenizer metadata is missing or of the wrong type; says which key.
    case metadata(String)
    /// The pre-tokenizer name is not one this tokenizer implements.
    case unsupportedPreTokenizer(String)
    /// A token id the tokenizer has no entry for.
    case unknownTokenID(Int32, vocabularySize: Int)
    /// The BOS or EOS id given by the metadata is not a special token of the vocabulary.
    case implausibleSpecialToken(role: String, id: Int32, text: String?)
    /// A `tokenizer.json` that is not JSON of the expected shape; names the part.
    case malformedTokenizerJSON(String)
    /// A `tokenizer.json` model, normalizer or decoder this tokenizer does not implement, by name.
    case unsupportedTokenizerJSON(String)
}
