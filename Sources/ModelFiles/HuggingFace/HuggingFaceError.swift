/// What can be wrong with a Hugging Face model directory: its `config.json`, its safetensors index or shards.
public enum HuggingFaceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file that could not be read.
    case cannotRead(path: String, reason: String)
    /// A JSON file that does not parse, or is not an object.
    case invalidJSON(path: String, detail: String)
    /// A required field that is absent.
    case missingField(path: String, field: String)
    /// A field of the wrong JSON type.
    case wrongFieldType(path: String, field: String, expected: String)
    /// A field whose value makes no sense (a non-positive size, heads that do not divide the width).
    case invalidValue(path: String, field: String, detail: String)
    /// A model whose `architectures` are not the Llama family's.
    case unsupportedArchitecture(path: String, architectures: [String])
    /// A directory with neither `model.safetensors` nor `model.safetensors.index.json`.
    case missingWeights(directory: String)
    /// A shard the index names that is not a plain file name in the directory.
    case badShardName(index: String, shard: String)
    /// A tensor the index places in a shard that does not hold it.
    case tensorNotInShard(tensor: String, shard: String)
    /// The same tensor in two shards.
    case duplicateTensor(tensor: String, shards: [String])
    /// No tensor of that name in the model.
    case missingTensor(String)
    /// A safetensors file that is wrong.
    case safetensors(SafetensorsError)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): "Hugging Face model: cannot read \(path): \(reason)"
        case .invalidJSON(let path, let detail): "Hugging Face model: \(path) is not valid JSON: \(detail)"
        case .missingField(let path, let field): "Hugging Face model: \(path) has no '\(field)'"
        case .wrongFieldType(let path, let field, let expected):
            "Hugging Face model: \(path): '\(field)' is not \(expected)"
        case .invalidValue(let path, let field, let detail): "Hugging Face model: \(path): '\(field)' \(detail)"
        case .unsupportedArchitecture(let path, let architectures):
            "Hugging Face model: \(path): architecture \(architectures.joined(separator: ", ")) is not supported "
                + "(supported: \(HuggingFaceConfig.supportedArchitectures.sorted().joined(separator: ", ")))"
        case .missingWeights(let directory):
            "Hugging Face model: \(directory) has neither model.safetensors nor model.safetensors.index.json"
        case .badShardName(let index, let shard):
            "Hugging Face model: \(index) names shard '\(shard)', which is not a file name in its directory"
        case .tensorNotInShard(let tensor, let shard):
            "Hugging Face model: the index places tensor '\(tensor)' in \(shard), which does not hold it"
        case .duplicateTensor(let tensor, let shards):
            "Hugging Face model: tensor '\(tensor)' is in several shards: \(shards.joined(separator: ", "))"
        case .missingTensor(let name): "Hugging Face model: no tensor '\(name)'"
        case .safetensors(let error): error.description
        }
    }
}
