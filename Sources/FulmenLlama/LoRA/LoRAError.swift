public import FulmenModel

/// Why LoRA adapters could not be attached, saved or loaded: each case names the field, tensor or file at fault.
public enum LoRAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A ``LoRAConfig`` field (or the matching `adapter_config.json` key) is out of range.
    case invalidConfiguration(field: String, reason: String)
    /// The model already carries adapters: detach or merge them first.
    case adaptersAlreadyAttached
    /// The operation needs adapters and the model has none.
    case noAdapters
    /// `adapter_config.json` is malformed or describes something this loader does not support.
    case unsupportedAdapterConfig(key: String, reason: String)
    /// The adapter weights lack a tensor the configuration needs.
    case missingTensor(name: String)
    /// The adapter weights hold a tensor the configuration has no place for.
    case unexpectedTensor(name: String)
    /// A tensor's shape (outermost first) differs from what the model and configuration need.
    case tensorShape(name: String, expected: [Int], actual: [Int])
    /// A tensor of a dtype other than F32, F16 and BF16.
    case tensorDType(name: String, dtype: String)
    /// A tensor holds a NaN or an infinity.
    case nonFiniteValue(name: String, index: Int)
    /// The safetensors file image cannot be read.
    case invalidWeights(reason: String)
    /// A file could not be read or written.
    case file(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let field, let reason): "invalid LoRAConfig: \(field) \(reason)"
        case .adaptersAlreadyAttached: "LoRA: the model already has adapters; detach or merge them first"
        case .noAdapters: "LoRA: the model has no adapters"
        case .unsupportedAdapterConfig(let key, let reason): "adapter_config.json: '\(key)' \(reason)"
        case .missingTensor(let name): "LoRA adapter weights: missing tensor '\(name)'"
        case .unexpectedTensor(let name): "LoRA adapter weights: unexpected tensor '\(name)'"
        case .tensorShape(let name, let expected, let actual):
            "LoRA adapter weights: tensor '\(name)' has shape \(actual), expected \(expected)"
        case .tensorDType(let name, let dtype):
            "LoRA adapter weights: tensor '\(name)' has dtype \(dtype); only F32, F16 and BF16 are read"
        case .nonFiniteValue(let name, let index):
            "LoRA adapter weights: tensor '\(name)' holds a non-finite value at index \(index)"
        case .invalidWeights(let reason): "LoRA adapter weights: \(reason)"
        case .file(let path, let reason): "\(path): \(reason)"
        }
    }

    /// The same error as the engine's family-independent ``ModelError``.
    public var modelError: ModelError { ModelError(description) }
}
