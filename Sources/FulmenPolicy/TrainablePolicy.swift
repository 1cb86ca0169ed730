public import FulmenModel
import FulmenLlama
public import Tokenizers

/// The policy a trainer trains, whatever its family: the model behind ``LanguageModel``, its tokenizer, and what
/// it publishes to runners (``weights()``), restores from a checkpoint (``restore(weights:)``) and scores against
/// (``reference(weights:)``).
///
/// Like the model, it is not thread-safe and its calls block: a trainer keeps it on its own serial queue.
public final class TrainablePolicy {
    /// The model being trained: a GPT, a whole Llama, or a Llama with LoRA adapters on its frozen weights.
    public private(set) var model: any LanguageModel
    /// The model's tokenizer.
    public let tokenizer: any TextTokenizer
    /// What the spec named: the preset's or pretrained model's name, or a path.
    public let name: String
    private let base: PretrainedModelReference?
    private let lora: LoRAConfig?
    private let threads: Int
    private let seed: UInt64

    private init(
        model: any LanguageModel, tokenizer: any TextTokenizer, name: String, base: PretrainedModelReference?,
        lora: LoRAConfig?, threads: Int, seed: UInt64
    ) {
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.base = base
        self.lora = lora
        self.threads = threads
        self.seed = seed
    }

    /// The policy `choice` names: a fresh GPT initialised from `seed`, or the pretrained model read from its file
    /// (with fresh adapters from `seed` when the choice asks for LoRA).
    ///
    /// - Throws: ``PolicyError`` naming what failed: a missing or unreadable model file, LoRA on a GPT, a bad
    ///   LoRA configuration.
    public static func make(_ choice: PolicyModelChoice, seed: UInt64, threads: Int) throws(PolicyError)
        -> TrainablePolicy
    {
        switch choice.source {
        case .preset(let preset):
            guard choice.lora == nil else {
                throw .invalidAdapters(reason: "\(preset.name) is a GPT trained from scratch; LoRA needs a pretrained model")
            }
            let model: GPT
            do {
                model = try GPT(config: preset.config, seed: seed, threadCount: threads)
            } catch {
                throw .invalidWeights(reason: error.message)
            }
            return TrainablePolicy(
                model: model, tokenizer: ByteTokenizer(), name: preset.name, base: nil, lora: nil, threads: threads,
                seed: seed)
        case .pretrained(let reference):
            let files = try PretrainedFiles(reference)
            let model = try files.model(threads: threads)
            if let lora = choice.lora {
                do {
                    try model.attachAdapters(lora, seed: seed)
                } catch {
                    throw .invalidAdapters(reason: "\(error)")
                }
            }
            return TrainablePolicy(
                model: model, tokenizer: files.tokenizer, name: reference.description, base: reference,
                lora: choice.lora, threads: threads, seed: seed)
        }
    }

    /// Whether only LoRA adapters are trained.
    public var trainsAdapters: Bool { lora != nil }

    /// The weights as runners load them and checkpoints keep them (``PolicyWeights``): the whole GPT or Llama, or
    /// only the adapters.
    public func weights() throws(PolicyError) -> [UInt8] {
        switch (model, base) {
        case (let llama as Llama, let base?):
            lora == nil ? PolicyWeights.encode(llama: llama, base: base) : try PolicyWeights.encode(adaptersOf: llama, base: base)
        default:
            model.checkpoint()
        }
    }

    /// Replaces the trained weights with those of `image` (made by ``weights()``, by this policy or an earlier run
    /// of the same spec).
    ///
    /// - Throws: ``PolicyError/invalidWeights(reason:)`` when the image is damaged or made for another model.
    public func restore(weights image: [UInt8]) throws(PolicyError) {
        let described = try PolicyWeights(describing: image)
        try requireOwn(described)
        switch (described.format, model) {
        case (.lora, let llama as Llama):
            let adapters = try Self.adapters(described.adapterFiles(image), on: llama, seed: seed)
            do {
                try llama.swapAdapters(adapters)
            } catch {
                throw .invalidAdapters(reason: "\(error)")
            }
        case (.llama, let current as Llama):
            let loaded: Llama
            do {
                loaded = try Llama(checkpoint: image, threadCount: threads)
            } catch {
                throw .invalidWeights(reason: error.message)
            }
            guard loaded.config == current.config else {
                throw .invalidWeights(reason: "they are of a Llama shaped \(loaded.config), this policy's is \(current.config)")
            }
            model = loaded
        case (.gpt, let current as GPT):
            let loaded: GPT
            do {
                loaded = try GPT(checkpoint: image, threadCount: threads)
            } catch {
                throw .invalidWeights(reason: error.message)
            }
            guard loaded.config == current.config else {
                throw .invalidWeights(reason: "they are of a GPT shaped \(loaded.config), this policy's is \(current.config)")
            }
            model = loaded
        default:
            throw .invalidWeights(reason: "\(described.format.rawValue) weights do not fit a \(model.family) model")
        }
    }

    /// A frozen copy of the weights of `image` (or of the current ones when nil), to score sequences against: the
    /// reference a KL penalty keeps the policy near. Adapters share this policy's base rather than copying it.
    ///
    /// - Throws: ``PolicyError/invalidWeights(reason:)`` when the image is damaged or made for another model.
    public func reference(weights given: [UInt8]? = nil) throws(PolicyError) -> PolicyReference {
        let image: [UInt8]
        if let given { image = given } else { image = try weights() }
        let described = try PolicyWeights(describing: image)
        try requireOwn(described)
        switch (described.format, model) {
        case (.lora, let llama as Llama):
            let frozen = try Self.adapters(described.adapterFiles(image), on: llama, seed: seed)
            return PolicyReference(adapters: frozen, on: llama)
        case (.llama, _):
            do {
                return PolicyReference(model: try Llama(checkpoint: image, threadCount: threads))
            } catch {
                throw .invalidWeights(reason: error.message)
            }
        case (.gpt, _):
            do {
                return PolicyReference(model: try GPT(checkpoint: image, threadCount: threads))
            } catch {
                throw .invalidWeights(reason: error.message)
            }
        default:
            throw .invalidWeights(reason: "\(described.format.rawValue) weights do not fit a \(model.family) model")
        }
    }

    /// Refuses weights of another base than this policy's.
    private func requireOwn(_ described: PolicyWeights) throws(PolicyError) {
        guard described.base == base else {
            throw .invalidWeights(
                reason: "they are of \(described.base?.description ?? "a GPT"), this policy is \(base?.description ?? "a GPT")")
        }
        if described.format == .lora, lora == nil {
            throw .invalidWeights(reason: "they hold LoRA adapters, but this policy trains every weight")
        }
    }

    private static func adapters(_ files: PEFTAdapterFiles, on llama: Llama, seed: UInt64) throws(PolicyError)
        -> LoRAAdapters
    {
        do {
            return try llama.readAdapters(files, seed: seed)
        } catch {
            throw .invalidWeights(reason: "\(error)")
        }
    }
}

/// Frozen weights that score sequences: a model of its own, or adapters swapped onto the trained policy's base for
/// the duration of a call. Used on the policy's queue, like the policy.
public final class PolicyReference {
    private enum Weights {
        case model(any LanguageModel)
        case adapters(LoRAAdapters, on: Llama)
    }

    private let weights: Weights

    init(model: any LanguageModel) {
        weights = .model(model)
    }

    init(adapters: LoRAAdapters, on llama: Llama) {
        weights = .adapters(adapters, on: llama)
    }

    /// `result[b][t] = log p(sequences[b][t + 1] | sequences[b][0 ... t])` under the frozen weights.
    public func logProbabilities(of sequences: [[Int32]]) throws(ModelError) -> [[Float]] {
        switch weights {
        case .model(let model):
            return try model.logProbabilities(of: sequences)
        case .adapters(let frozen, let llama):
            // Both sets were made for this model, so swapping cannot fail.
            let trained = try! llama.swapAdapters(frozen)
            defer { _ = try! llama.swapAdapters(trained) }
            return try llama.logProbabilities(of: sequences)
        }
    }
}
