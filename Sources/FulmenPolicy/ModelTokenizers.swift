public import Tokenizers
import FulmenModel

/// The tokenizer of a model by the name a model-call span records (``ServedPolicy/modelName``): for readers of
/// recorded token ids, such as `fulmen traces`, which load no model. Each pretrained model's is read once.
public final class ModelTokenizers {
    private var loaded: [String: any TextTokenizer] = [:]

    public init() {}

    /// The tokenizer of the model `name` names; the GPT's bytes for ``PolicyLoader/gptModelName`` or no name
    /// (spans recorded before spans named their model).
    ///
    /// - Throws: ``PolicyError`` when the named model's file is not on this host or unreadable.
    public func tokenizer(forModel name: String?) throws(PolicyError) -> any TextTokenizer {
        guard let name, name != PolicyLoader.gptModelName else { return ByteTokenizer() }
        if let tokenizer = loaded[name] { return tokenizer }
        let tokenizer = try PretrainedModelReference(name).open().tokenizer
        loaded[name] = tokenizer
        return tokenizer
    }
}
