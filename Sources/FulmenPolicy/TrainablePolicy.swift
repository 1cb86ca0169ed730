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
            let files = try reference.open()
            let model = try files.model(threads: threads, reference: reference)
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
        switch try load(image) {
        case .adapters(let adapters, let llama):
            // Read for this very model, so they fit it.
            _ = try! llama.swapAdapters(adapters)
        case .model(let loaded):
            model = loaded
        }
    }

    /// A frozen copy of the weights of `image` (or of the current ones when nil), to score sequences against: the
    /// reference a KL penalty keeps the policy near. Adapters share this policy's base rather than copying it.
    ///
    /// - Throws: ``PolicyError/invalidWeights(reason:)`` when the image is damaged or made for another model.
    public func reference(weights given: [UInt8]? = nil) throws(PolicyError) -> PolicyReference {
        let image: [UInt8]
        if let given { image = given } else { image = try weights() }
        switch try load(image) {
        case .adapters(let adapters, let llama): return PolicyReference(adapters: adapters, on: llama)
        case .model(let loaded): return PolicyReference(model: loaded)
        }
    }

    /// What a weights image holds for this policy.
    private enum Loaded {
        /// Adapters read for the policy's base model.
        case adapters(LoRAAdapters, on: Llama)
        /// A whole model of the policy's shape.
        case model(any LanguageModel)
    }

    /// Reads `image`, refusing weights made for another model.
    private func load(_ image: [UInt8]) throws(PolicyError) -> Loaded {
        let described = try PolicyWeights(describing: image)
        guard described.base == base else {
            throw .invalidWeights(
                reason: "they are of \(described.base?.description ?? "a GPT"), this policy is \(base?.description ?? "a GPT")")
        }
        guard (described.format == .lora) == (lora != nil) else {
            throw .invalidWeights(
                reason: lora == nil
                    ? "they hold LoRA adapters, but this policy trains every weight"
                    : "they hold a whole model, but this policy trains LoRA adapters")
        }
        if let llama = model as? Llama, described.format == .lora {
            do {
                return .adapters(try llama.readAdapters(described.adapterFiles(image), seed: seed), on: llama)
            } catch {
                throw .invalidWeights(reason: "\(error)")
            }
        }
        let loaded = try described.wholeModel(image, threads: threads)
        guard loaded.family == model.family, loaded.tensorNames == model.tensorNames,
            loaded.parameterCount == model.parameterCount
        else {
            throw .invalidWeights(
                reason: "they are of a \(loaded.family) model of \(loaded.parameterCount) parameters; this policy's "
                    + "has \(model.parameterCount)")
        }
        return .model(loaded)
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
