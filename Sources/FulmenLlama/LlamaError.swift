public import FulmenModel
public import ModelFiles

/// Why a Llama model could not be built or loaded: each case names the field or tensor at fault.
public enum LlamaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration field is out of range.
    case invalidConfiguration(field: String, reason: String)
    /// The weights lack a tensor the configuration needs.
    case missingTensor(name: String)
    /// The weights hold a tensor the configuration has no place for (an `output.weight` with tied embeddings, say).
    case unexpectedTensor(name: String)
    /// A tensor's shape (outermost first) differs from what the configuration needs.
    case tensorShape(name: String, expected: [Int], actual: [Int])
    /// A tensor holds a NaN or an infinity.
    case nonFiniteValue(name: String, index: Int)
    /// The weight source failed to produce a tensor.
    case unreadableTensor(name: String, reason: String)
    /// A checkpoint is not a Llama checkpoint or is damaged.
    case invalidCheckpoint(reason: String)
    /// A model file this family cannot run: another architecture, or a feature it lacks (rope scaling, say),
    /// named with the file.
    case unsupportedModelFile(path: String, reason: String)
    /// A Hugging Face model directory that cannot be opened: no or a bad `config.json` (another architecture,
    /// say), no weights, a corrupt shard.
    case modelDirectory(HuggingFaceError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let reason):
            "invalid LlamaConfig: \(field) \(reason)"
        case .missingTensor(let name):
            "Llama weights: missing tensor '\(name)'"
        case .unexpectedTensor(let name):
            "Llama weights: unexpected tensor '\(name)' for this configuration"
        case .tensorShape(let name, let expected, let actual):
            "Llama weights: tensor '\(name)' has shape \(actual), expected \(expected) (outermost first"
                + (name.hasPrefix("model.") || name == "lm_head.weight"
                    ? ")" : ": GGUF lists dimensions innermost first, so reverse them)")
        case .nonFiniteValue(let name, let index):
            "Llama weights: tensor '\(name)' holds a non-finite value at index \(index)"
        case .unreadableTensor(let name, let reason):
            "Llama weights: cannot read tensor '\(name)': \(reason)"
        case .invalidCheckpoint(let reason):
            "Llama checkpoint: \(reason)"
        case .unsupportedModelFile(let path, let reason):
            "\(path): \(reason)"
        case .modelDirectory(let error):
            error.description
        }
    }

    /// The same error as the engine's family-independent ``ModelError``.
    public var modelError: ModelError { ModelError(description) }
}
