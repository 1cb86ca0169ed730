public import ModelFiles

/// Why a model could not be exported as a GGUF file.
public enum LlamaExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// LoRA adapters are attached: merge them into the weights (``Llama/mergeAdapters()``) or detach them first, so
    /// that what is exported is unambiguous.
    case adaptersAttached
    /// The source metadata to carry over does not describe this model: `key` and what is wrong with it.
    case sourceMetadata(key: String, reason: String)
    /// The file could not be written (or a tensor was malformed for GGUF).
    case file(GGUFError)

    public var description: String {
        switch self {
        case .adaptersAttached:
            "GGUF export: the model has LoRA adapters attached; merge (mergeAdapters) or detach them first"
        case .sourceMetadata(let key, let reason): "GGUF export: source metadata '\(key)' \(reason)"
        case .file(let error): "GGUF export: \(error)"
        }
    }
}
