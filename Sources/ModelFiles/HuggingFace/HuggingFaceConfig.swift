import Foundation

/// A Llama-family model's `config.json` from a Hugging Face directory: the fields a decoder needs.
///
/// Optional fields take the defaults of transformers' `LlamaConfig` (`num_key_value_heads` = the attention heads,
/// `rope_theta` 10000, `rms_norm_eps` 1e-6, `tie_word_embeddings` false, `head_dim` = width / heads). A model
/// whose `architectures` are not the Llama family's is refused by name.
///
/// The rotary settings are read from both spellings: transformers 4 writes a top-level `rope_theta` and a
/// `rope_scaling` object (or null); transformers 5 writes them together as `rope_parameters` (`rope_theta`,
/// `rope_type`, where `default` means no scaling).
public struct HuggingFaceConfig: Sendable, Equatable {
    /// The `architectures` values Fulmen's Llama-family decoder runs.
    public static let supportedArchitectures: Set<String> = ["LlamaForCausalLM"]

    public let architectures: [String]
    public let hiddenSize: Int
    public let layerCount: Int
    public let attentionHeadCount: Int
    public let keyValueHeadCount: Int
    public let headDimension: Int
    public let intermediateSize: Int
    public let rmsNormEpsilon: Double
    public let ropeTheta: Double
    public let vocabularySize: Int
    public let maxPositionEmbeddings: Int
    public let tieWordEmbeddings: Bool
    /// `bos_token_id` and `eos_token_id` (the latter may be a list), when given.
    public let bosTokenID: Int?
    public let eosTokenIDs: [Int]
    /// `rope_scaling`'s (or `rope_parameters`') `rope_type` (or `type`) when the model scales its rotary embeddings
    /// (Llama 3.1's `llama3`, `linear`, `dynamic`, `yarn`), `nil` when it does not (`default`): a loader must refuse
    /// a scaling it does not implement.
    public let ropeScalingType: String?
    /// `attention_bias` and `mlp_bias` (false by default): biases on the projections, which Llama proper lacks.
    public let attentionBias: Bool
    public let mlpBias: Bool

    /// Reads and checks the `config.json` at `path`.
    public init(path: String) throws(HuggingFaceError) {
        try self.init(json: Self.readObject(path), path: path)
    }

    /// Reads a parsed `config.json` object; `path` names it in errors.
    public init(json: [String: Any], path: String) throws(HuggingFaceError) {
        let fields = Fields(json: json, path: path)
        architectures = try fields.strings("architectures")
        guard architectures.contains(where: Self.supportedArchitectures.contains) else {
            throw .unsupportedArchitecture(path: path, architectures: architectures)
        }
        hiddenSize = try fields.positive("hidden_size")
        layerCount = try fields.positive("num_hidden_layers")
        attentionHeadCount = try fields.positive("num_attention_heads")
        keyValueHeadCount = try fields.positive("num_key_value_heads", default: attentionHeadCount)
        headDimension = try fields.positive("head_dim", default: hiddenSize / attentionHeadCount)
        intermediateSize = try fields.positive("intermediate_size")
        rmsNormEpsilon = try fields.number("rms_norm_eps", default: 1e-6)
        ropeTheta = try fields.ropeTheta()
        vocabularySize = try fields.positive("vocab_size")
        maxPositionEmbeddings = try fields.positive("max_position_embeddings")
        tieWordEmbeddings = try fields.bool("tie_word_embeddings", default: false)
        bosTokenID = try fields.optionalInteger("bos_token_id")
        eosTokenIDs = try fields.integerOrList("eos_token_id")
        ropeScalingType = try fields.ropeScalingType()
        attentionBias = try fields.bool("attention_bias", default: false)
        mlpBias = try fields.bool("mlp_bias", default: false)
        guard attentionHeadCount % keyValueHeadCount == 0 else {
            throw .invalidValue(
                path: path, field: "num_key_value_heads",
                detail: "is \(keyValueHeadCount), which does not divide num_attention_heads \(attentionHeadCount)")
        }
        guard json["head_dim"] != nil || hiddenSize % attentionHeadCount == 0 else {
            throw .invalidValue(
                path: path, field: "num_attention_heads",
                detail: "is \(attentionHeadCount), which does not divide hidden_size \(hiddenSize)")
        }
        guard rmsNormEpsilon > 0, ropeTheta > 0 else {
            throw .invalidValue(
                path: path, field: rmsNormEpsilon > 0 ? "rope_theta" : "rms_norm_eps", detail: "is not positive")
        }
    }

    static func readObject(_ path: String) throws(HuggingFaceError) -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .cannotRead(path: path, reason: error.localizedDescription)
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidJSON(path: path, detail: error.localizedDescription)
        }
        guard let json = object as? [String: Any] else { throw .invalidJSON(path: path, detail: "not an object") }
        return json
    }
}

/// Typed reads of a JSON object's fields, with errors naming the file and the field.
private struct Fields {
    let json: [String: Any]
    let path: String

    func strings(_ field: String) throws(HuggingFaceError) -> [String] {
        guard let value = json[field] else { throw .missingField(path: path, field: field) }
        guard let strings = value as? [String] else {
            throw .wrongFieldType(path: path, field: field, expected: "a list of strings")
        }
        return strings
    }

    func positive(_ field: String, default fallback: Int? = nil) throws(HuggingFaceError) -> Int {
        guard let value = json[field], !(value is NSNull) else {
            if let fallback { return fallback }
            throw .missingField(path: path, field: field)
        }
        guard let integer = Self.integer(value) else {
            throw .wrongFieldType(path: path, field: field, expected: "an integer")
        }
        guard integer > 0 else { throw .invalidValue(path: path, field: field, detail: "is \(integer), not positive") }
        return integer
    }

    func number(_ field: String, default fallback: Double) throws(HuggingFaceError) -> Double {
        guard let value = json[field], !(value is NSNull) else { return fallback }
        guard let number = value as? NSNumber, !Self.isBool(number) else {
            throw .wrongFieldType(path: path, field: field, expected: "a number")
        }
        return number.doubleValue
    }

    func bool(_ field: String, default fallback: Bool) throws(HuggingFaceError) -> Bool {
        guard let value = json[field], !(value is NSNull) else { return fallback }
        guard let number = value as? NSNumber, Self.isBool(number) else {
            throw .wrongFieldType(path: path, field: field, expected: "true or false")
        }
        return number.boolValue
    }

    func optionalInteger(_ field: String) throws(HuggingFaceError) -> Int? {
        guard let value = json[field], !(value is NSNull) else { return nil }
        guard let integer = Self.integer(value) else {
            throw .wrongFieldType(path: path, field: field, expected: "an integer")
        }
        return integer
    }

    func integerOrList(_ field: String) throws(HuggingFaceError) -> [Int] {
        guard let value = json[field], !(value is NSNull) else { return [] }
        if let integer = Self.integer(value) { return [integer] }
        guard let list = value as? [Any] else {
            throw .wrongFieldType(path: path, field: field, expected: "an integer or a list of integers")
        }
        var integers: [Int] = []
        for element in list {
            guard let integer = Self.integer(element) else {
                throw .wrongFieldType(path: path, field: field, expected: "an integer or a list of integers")
            }
            integers.append(integer)
        }
        return integers
    }

    func ropeScalingType() throws(HuggingFaceError) -> String? {
        for field in ["rope_scaling", "rope_parameters"] {
            guard let value = json[field], !(value is NSNull) else { continue }
            guard let scaling = value as? [String: Any] else {
                throw .wrongFieldType(path: path, field: field, expected: "null or an object")
            }
            let type = scaling["rope_type"] ?? scaling["type"]
            if field == "rope_parameters", type == nil { continue }
            guard let name = type as? String else {
                throw .wrongFieldType(path: path, field: field, expected: "null or an object with a rope_type")
            }
            if name != "default" { return name }
        }
        return nil
    }

    /// `rope_theta`, at the top level (transformers 4) or in `rope_parameters` (transformers 5); 10000 if neither.
    func ropeTheta() throws(HuggingFaceError) -> Double {
        if let value = json["rope_theta"], !(value is NSNull) { return try number("rope_theta", default: 10_000) }
        guard let value = json["rope_parameters"], !(value is NSNull) else { return 10_000 }
        guard let parameters = value as? [String: Any] else {
            throw .wrongFieldType(path: path, field: "rope_parameters", expected: "null or an object")
        }
        return try Fields(json: parameters, path: path).number("rope_theta", default: 10_000)
    }

    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBool(number) else { return nil }
        return Int(exactly: number.doubleValue)
    }

    /// Whether a JSONSerialization number was a JSON `true` or `false`.
    private static func isBool(_ number: NSNumber) -> Bool {
        #if canImport(Darwin)
            return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
            return type(of: number) == type(of: NSNumber(value: true))
        #endif
    }
}
