public import FulmenModel
public import FulmenLlama
import ModelFiles

/// A GPT an experiment trains from scratch, by the name its spec gives (`model: { preset: tiny }`).
public struct GPTPreset: Sendable, Hashable {
    public var name: String
    public var config: GPTConfig

    public init(name: String, config: GPTConfig) {
        self.name = name
        self.config = config
    }
}

/// The policy models experiments can name: GPT presets trained from scratch, and the pretrained models Fulmen
/// fetches (``BundledModel``). A preset joins by adding its entry here; a pretrained model by adding a case to
/// ``BundledModel``.
public enum PolicyModels {
    /// The reference's `tiny` GPT (0.8M parameters, context 128).
    public static let tiny = GPTPreset(name: "tiny", config: .tiny)
    /// The reference's `small` GPT (4.9M parameters, context 256).
    public static let small = GPTPreset(name: "small", config: .small)

    /// Every GPT preset, the default first.
    public static let presets = [tiny, small]

    /// The preset a spec that names no model trains.
    public static var defaultPreset: GPTPreset { presets[0] }

    /// The preset named `name`, if any.
    public static func preset(named name: String) -> GPTPreset? { presets.first { $0.name == name } }

    /// Every name a spec may give: the presets', then the pretrained models'.
    public static var names: [String] { presets.map(\.name) + BundledModel.allCases.map(\.rawValue) }
}

/// Which policy model an experiment trains: a GPT preset from scratch, or a pretrained Llama-family model (named or
/// by path) fine-tuned in full or, with `lora`, through adapters on its frozen weights.
public struct PolicyModelChoice: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case preset(GPTPreset)
        case pretrained(PretrainedModelReference)
    }

    public var source: Source
    /// Adapters to train on the frozen base; nil trains every weight.
    public var lora: LoRAConfig?

    public init(source: Source, lora: LoRAConfig? = nil) {
        self.source = source
        self.lora = lora
    }

    /// The choice a spec's name gives: a preset, a known pretrained model, or (containing a `/` or ending in
    /// `.gguf`) the path of a GGUF file or a Hugging Face directory.
    ///
    /// - Throws: ``PolicyError/unknownModel(_:known:)``.
    public init(name: String, lora: LoRAConfig? = nil) throws(PolicyError) {
        if let preset = PolicyModels.preset(named: name) {
            self.init(source: .preset(preset), lora: lora)
        } else if let model = BundledModel(rawValue: name) {
            self.init(source: .pretrained(.bundled(model)), lora: lora)
        } else if name.contains("/") || name.hasSuffix(".gguf") {
            self.init(source: .pretrained(.path(name)), lora: lora)
        } else {
            throw .unknownModel(name, known: PolicyModels.names)
        }
    }

    /// The model's name: the preset's, the pretrained model's, or its path.
    public var name: String {
        switch source {
        case .preset(let preset): preset.name
        case .pretrained(let reference): reference.description
        }
    }
}
