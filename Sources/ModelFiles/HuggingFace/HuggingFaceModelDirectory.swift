import Foundation

/// A Hugging Face model directory: `config.json`, the weights in `model.safetensors` or in shards listed by
/// `model.safetensors.index.json`, and the tokenizer's files beside them.
///
/// The weights are memory-mapped and checked when opened (every shard's header; every tensor the index places in a
/// shard is there; no tensor in two shards); values are read as Float32 on demand from F32, F16 or BF16.
public final class HuggingFaceModelDirectory: Sendable {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"
    public static let indexFile = "model.safetensors.index.json"

    public let directory: String
    public let config: HuggingFaceConfig
    /// The safetensors files, in file-name order.
    public let shards: [SafetensorsFile]
    private let tensorShard: [String: Int]

    /// Opens the model directory at `directory`.
    public init(directory: String) throws(HuggingFaceError) {
        self.directory = directory
        config = try HuggingFaceConfig(path: Self.path(directory, Self.configFile))
        let single = Self.path(directory, Self.weightsFile)
        let index = Self.path(directory, Self.indexFile)
        let names: [String]
        if FileManager.default.fileExists(atPath: index) {
            names = try Self.shardNames(index: index)
        } else if FileManager.default.fileExists(atPath: single) {
            names = [Self.weightsFile]
        } else {
            throw .missingWeights(directory: directory)
        }
        var shards: [SafetensorsFile] = []
        var tensorShard: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            let shard: SafetensorsFile
            do { shard = try SafetensorsFile(path: Self.path(directory, name)) } catch { throw .safetensors(error) }
            for tensor in shard.header.tensors.keys {
                if let other = tensorShard.updateValue(position, forKey: tensor) {
                    throw .duplicateTensor(tensor: tensor, shards: [names[other], name])
                }
            }
            shards.append(shard)
        }
        if FileManager.default.fileExists(atPath: index) {
            let weightMap = try Self.weightMap(index: index)
            for (tensor, shard) in weightMap.sorted(by: { $0.key < $1.key }) {
                guard let position = tensorShard[tensor], names[position] == shard else {
                    throw .tensorNotInShard(tensor: tensor, shard: shard)
                }
            }
        }
        self.shards = shards
        self.tensorShard = tensorShard
    }

    /// The names of all tensors, sorted.
    public var tensorNames: [String] { tensorShard.keys.sorted() }

    /// The tensor named `name`, from whichever shard holds it.
    public func tensor(named name: String) throws(HuggingFaceError) -> SafetensorsTensor {
        guard let position = tensorShard[name] else { throw .missingTensor(name) }
        do { return try shards[position].tensor(named: name) } catch { throw .safetensors(error) }
    }

    /// `tokenizer.json`'s path, if the directory has one.
    public var tokenizerPath: String? { existing("tokenizer.json") }
    /// `tokenizer_config.json`'s path (which holds the chat template), if the directory has one.
    public var tokenizerConfigPath: String? { existing("tokenizer_config.json") }

    private func existing(_ name: String) -> String? {
        let path = Self.path(directory, name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    private static func path(_ directory: String, _ name: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }

    /// The index's `weight_map`: tensor name to shard file name.
    private static func weightMap(index: String) throws(HuggingFaceError) -> [String: String] {
        let json = try HuggingFaceConfig.readObject(index)
        guard let value = json["weight_map"] else { throw .missingField(path: index, field: "weight_map") }
        guard let map = value as? [String: String] else {
            throw .wrongFieldType(path: index, field: "weight_map", expected: "an object of file names")
        }
        return map
    }

    /// The distinct shard file names of the index, sorted, each checked to be a plain file name.
    private static func shardNames(index: String) throws(HuggingFaceError) -> [String] {
        let names = Set(try weightMap(index: index).values).sorted()
        for name in names where name.isEmpty || name.contains("/") || name == "." || name == ".." {
            throw .badShardName(index: index, shard: name)
        }
        return names
    }
}
