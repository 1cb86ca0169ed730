/// Why a policy model could not be made, loaded or saved; each case names what was wrong.
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No policy model is known by this name.
    case unknownModel(String, known: [String])
    /// A pretrained model's file is not where the reference says, or not on this host.
    case modelNotFound(PretrainedModelReference, reason: String)
    /// A pretrained model's file could not be read or run.
    case unreadableModel(PretrainedModelReference, reason: String)
    /// A weights resource (or checkpoint) is not one Fulmen can load, or does not fit the model.
    case invalidWeights(reason: String)
    /// A LoRA configuration, or LoRA asked of a model that cannot take it.
    case invalidAdapters(reason: String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            "no policy model is named '\(name)' (known: \(known.joined(separator: ", ")); or give the path of a .gguf file or a Hugging Face directory)"
        case .modelNotFound(let model, let reason): "model \(model) not found: \(reason)"
        case .unreadableModel(let model, let reason): "model \(model) cannot be loaded: \(reason)"
        case .invalidWeights(let reason): "policy weights do not load: \(reason)"
        case .invalidAdapters(let reason): "LoRA adapters: \(reason)"
        }
    }
}
