import FulmenModel
import FulmenLlama
import ModelFiles

/// What the `policy` weights resource (and a trainer's checkpoint) holds: one safetensors image whose
/// `__metadata__` says how to load it, so that a runner needs nothing but the resource and the files of the
/// pretrained model it names.
///
/// - `format = fulmen-gpt`: a whole GPT (``GPT/checkpoint()``); the GPT's tokenizer is its bytes.
/// - `format = fulmen-llama`: a whole Llama-family model (``Llama/checkpoint()``), fine-tuned in full, and
///   `fulmen.base` naming the pretrained model it came from, whose file gives the tokenizer and chat template.
/// - `format = fulmen-lora`: only LoRA adapters, under PEFT's tensor names, `fulmen.adapter_config` holding PEFT's
///   `adapter_config.json`, and `fulmen.base` naming the frozen base they apply to: kilobytes to megabytes, where
///   the base is hundreds.
struct PolicyWeights {
    enum Format {
        case gpt
        case llama
        case lora

        /// The `format` metadata value, as each writer spells it.
        var name: String {
            switch self {
            case .gpt: GPT.formatName
            case .llama: Llama.formatName
            case .lora: "fulmen-lora"
            }
        }

        init?(name: String) {
            guard let format = [Format.gpt, .llama, .lora].first(where: { $0.name == name }) else { return nil }
            self = format
        }
    }

    /// Metadata keys.
    enum Key {
        static let format = "format"
        static let base = "fulmen.base"
        static let adapterConfig = "fulmen.adapter_config"
    }

    let format: Format
    /// The pretrained model the weights come from or apply to; nil for a GPT.
    let base: PretrainedModelReference?
    /// PEFT's `adapter_config.json`, for `fulmen-lora`.
    let adapterConfig: [UInt8]?

    /// Reads what `image` holds from its header.
    ///
    /// - Throws: ``PolicyError/invalidWeights(reason:)`` naming what is missing or unknown.
    init(describing image: [UInt8]) throws(PolicyError) {
        let parsed = image.withUnsafeBytes { raw in
            Result { () throws(SafetensorsError) in try SafetensorsHeader.parse(raw, file: "policy weights").metadata }
        }
        let metadata: [String: String]
        switch parsed {
        case .success(let read): metadata = read
        case .failure(let error): throw .invalidWeights(reason: error.description)
        }
        guard let text = metadata[Key.format], let format = Format(name: text) else {
            let known = [Format.gpt, .llama, .lora].map(\.name).joined(separator: ", ")
            throw .invalidWeights(reason: "format is '\(metadata[Key.format] ?? "none")', expected one of \(known)")
        }
        self.format = format
        base = metadata[Key.base].map(PretrainedModelReference.init)
        adapterConfig = metadata[Key.adapterConfig].map { Array($0.utf8) }
        if format != .gpt, base == nil { throw .invalidWeights(reason: "\(format.name) weights lack '\(Key.base)'") }
        if format == .lora, adapterConfig == nil {
            throw .invalidWeights(reason: "fulmen-lora weights lack '\(Key.adapterConfig)'")
        }
    }

    /// A whole Llama's checkpoint, marked with the pretrained model it came from.
    static func encode(llama model: Llama, base: PretrainedModelReference) -> [UInt8] {
        model.checkpoint(adding: [Key.base: base.description])
    }

    /// The adapters attached to `model`, in PEFT's layout, marked with the base they apply to.
    static func encode(adaptersOf model: Llama, base: PretrainedModelReference) throws(PolicyError) -> [UInt8] {
        do {
            let files = try model.exportAdapters(baseModel: base.description)
            return try Safetensors.addingMetadata(
                [
                    Key.format: Format.lora.name, Key.base: base.description,
                    Key.adapterConfig: String(decoding: files.config, as: UTF8.self),
                ], to: files.weights)
        } catch {
            throw .invalidAdapters(reason: "\(error)")
        }
    }

    /// The whole model a `fulmen-gpt` or `fulmen-llama` image holds.
    ///
    /// - Throws: ``PolicyError/invalidWeights(reason:)`` naming what is damaged, or for adapters.
    func wholeModel(_ image: [UInt8], threads: Int) throws(PolicyError) -> any LanguageModel {
        do throws(ModelError) {
            switch format {
            case .gpt: return try GPT(checkpoint: image, threadCount: threads)
            case .llama: return try Llama(checkpoint: image, threadCount: threads)
            case .lora: throw ModelError("they hold LoRA adapters, not a whole model")
            }
        } catch {
            throw .invalidWeights(reason: error.message)
        }
    }

    /// The PEFT files of `fulmen-lora` weights (the image itself carries PEFT's tensors).
    func adapterFiles(_ image: [UInt8]) -> PEFTAdapterFiles {
        PEFTAdapterFiles(config: adapterConfig ?? [], weights: image)
    }
}
