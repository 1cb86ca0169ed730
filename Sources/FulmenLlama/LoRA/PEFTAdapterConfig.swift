import Foundation

/// PEFT's `adapter_config.json` for a LoRA adapter, the keys this loader reads and writes under PEFT's names.
///
/// Written with what PEFT itself writes for a plain LoRA (no rsLoRA, no DoRA, every layer, bias "none"); on
/// reading, anything that would change the arithmetic and that we do not implement is refused by name.
struct PEFTAdapterConfig: Codable, Equatable {
    var peftType: String
    var taskType: String?
    var r: Int
    var loraAlpha: Float
    var loraDropout: Float
    var targetModules: [String]
    var bias: String
    var baseModelNameOrPath: String?
    var fanInFanOut: Bool?
    var useRslora: Bool?
    var useDora: Bool?
    var inferenceMode: Bool?
    var initLoraWeights: Bool?
    var layersToTransform: [Int]?
    var modulesToSave: [String]?
    var rankPattern: [String: Int]?
    var alphaPattern: [String: Float]?

    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type", taskType = "task_type", r, loraAlpha = "lora_alpha"
        case loraDropout = "lora_dropout", targetModules = "target_modules", bias
        case baseModelNameOrPath = "base_model_name_or_path", fanInFanOut = "fan_in_fan_out"
        case useRslora = "use_rslora", useDora = "use_dora", inferenceMode = "inference_mode"
        case initLoraWeights = "init_lora_weights", layersToTransform = "layers_to_transform"
        case modulesToSave = "modules_to_save", rankPattern = "rank_pattern", alphaPattern = "alpha_pattern"
    }

    /// The configuration of `lora`, for the base model named `baseModel`.
    init(_ lora: LoRAConfig, baseModel: String) {
        peftType = "LORA"
        taskType = "CAUSAL_LM"
        r = lora.rank
        loraAlpha = lora.alpha
        loraDropout = lora.dropout
        targetModules = lora.orderedTargets.map(\.rawValue)
        bias = "none"
        baseModelNameOrPath = baseModel
        fanInFanOut = false
        useRslora = false
        useDora = false
        inferenceMode = true
        initLoraWeights = true
        rankPattern = [:]
        alphaPattern = [:]
    }

    /// The JSON text, keys sorted, as `adapter_config.json` holds it.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding a struct of strings, numbers and arrays cannot fail.
        return Array(try! encoder.encode(self))
    }

    /// Parses `adapter_config.json`.
    ///
    /// - Throws: ``LoRAError/unsupportedAdapterConfig(key:reason:)`` naming the malformed key.
    static func decode(_ bytes: [UInt8]) throws(LoRAError) -> PEFTAdapterConfig {
        do {
            return try JSONDecoder().decode(PEFTAdapterConfig.self, from: Data(bytes))
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, _): throw .unsupportedAdapterConfig(key: key.stringValue, reason: "is missing")
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                throw .unsupportedAdapterConfig(
                    key: context.codingPath.map(\.stringValue).joined(separator: "."),
                    reason: "has the wrong type (\(context.debugDescription))")
            case .dataCorrupted(let context):
                throw .unsupportedAdapterConfig(key: "(file)", reason: "is not valid JSON: \(context.debugDescription)")
            @unknown default: throw .unsupportedAdapterConfig(key: "(file)", reason: "\(error)")
            }
        } catch {
            throw .unsupportedAdapterConfig(key: "(file)", reason: "\(error)")
        }
    }

    /// The ``LoRAConfig`` this describes.
    ///
    /// - Throws: ``LoRAError/unsupportedAdapterConfig(key:reason:)`` for a feature we do not implement, or
    ///   ``LoRAError/invalidConfiguration(field:reason:)`` for a value out of range.
    func loraConfig() throws(LoRAError) -> LoRAConfig {
        func refuse(_ key: CodingKeys, _ reason: String) -> LoRAError {
            .unsupportedAdapterConfig(key: key.rawValue, reason: reason)
        }
        guard peftType == "LORA" else { throw refuse(.peftType, "is '\(peftType)'; only LORA is supported") }
        guard bias == "none" else { throw refuse(.bias, "is '\(bias)'; only \"none\" is supported") }
        if fanInFanOut == true { throw refuse(.fanInFanOut, "is true; Llama's Linear layers are (out, in)") }
        if useRslora == true { throw refuse(.useRslora, "is true; rank-stabilised scaling is not supported") }
        if useDora == true { throw refuse(.useDora, "is true; DoRA is not supported") }
        if let layers = layersToTransform { throw refuse(.layersToTransform, "is \(layers); only every layer is supported") }
        if let modules = modulesToSave, !modules.isEmpty {
            throw refuse(.modulesToSave, "is \(modules); fully trained modules are not supported")
        }
        if let pattern = rankPattern, !pattern.isEmpty { throw refuse(.rankPattern, "is not empty; not supported") }
        if let pattern = alphaPattern, !pattern.isEmpty { throw refuse(.alphaPattern, "is not empty; not supported") }
        var targets: Set<LoRATarget> = []
        for module in targetModules {
            guard let target = LoRATarget(rawValue: module) else {
                throw refuse(
                    .targetModules,
                    "names '\(module)'; expected some of \(LoRATarget.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            targets.insert(target)
        }
        let lora = LoRAConfig(rank: r, alpha: loraAlpha, dropout: loraDropout, targets: targets)
        try lora.validate()
        return lora
    }
}
