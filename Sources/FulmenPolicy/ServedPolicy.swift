public import FulmenModel
import FulmenLlama
public import Tokenizers

/// One weights version of the policy, ready to generate: what a runner's episodes and endpoint call.
///
/// Versions made of LoRA adapters share their base model: each call first attaches its own adapters. Like the model,
/// it is not thread-safe and its calls block: a runner makes every call on its one inference queue.
public final class ServedPolicy {
    /// The model's name as spans record it (``PolicyLoader/gptModelName`` for a GPT, else the pretrained model's
    /// name or path), by which `fulmen traces` finds the tokenizer.
    public let modelName: String
    /// Whether the weights are LoRA adapters on the named model.
    public let isAdapter: Bool
    /// The model's tokenizer.
    public let tokenizer: any TextTokenizer
    /// The model's own chat template, or why it has none Fulmen can render; nil for a GPT, whose chat template is
    /// the endpoint's choice (`plain` or `roles`).
    public let chatTemplate: Result<ChatTemplate, ChatTemplateError>?
    private let model: any LanguageModel
    private let adapters: LoRAAdapters?

    init(
        modelName: String, model: any LanguageModel, adapters: LoRAAdapters?, tokenizer: any TextTokenizer,
        chatTemplate: Result<ChatTemplate, ChatTemplateError>?
    ) {
        self.modelName = modelName
        self.model = model
        self.adapters = adapters
        self.isAdapter = adapters != nil
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
    }

    /// The most tokens a prompt and its continuation may hold.
    public var contextLength: Int { model.contextLength }

    /// Whether two served versions run on the same model object (and so may share a batch only if they are the
    /// same version).
    public func sharesModel(with other: ServedPolicy) -> Bool { model === other.model }

    /// Continues every request in shared forward passes (``LanguageModel/generate(_:)``).
    public func generate(_ requests: [GenerationRequest]) throws(ModelError) -> [Generation] {
        activate()
        return try model.generate(requests)
    }

    /// `result[b][t] = log p(sequences[b][t + 1] | sequences[b][0 ... t])`, as generation records them.
    public func logProbabilities(of sequences: [[Int32]]) throws(ModelError) -> [[Float]] {
        activate()
        return try model.logProbabilities(of: sequences)
    }

    /// Attaches this version's adapters to the shared base, if they are not already.
    private func activate() {
        guard let adapters, let llama = model as? Llama, llama.adapters !== adapters else { return }
        // The adapters were read for this very model, so they fit it.
        _ = try! llama.swapAdapters(adapters)
    }
}

/// Turns weights resources into ``ServedPolicy``s, reading each pretrained base once and keeping it: every version
/// of adapters on it shares the one copy in memory. Used on the runner's inference queue only.
public final class PolicyLoader {
    /// The name spans give a GPT's calls (whose tokenizer is its bytes).
    public static let gptModelName = "gpt"

    private let threads: Int
    private var bases: [PretrainedModelReference: (files: PretrainedModelFiles, model: Llama)] = [:]

    /// - Parameter threads: the threads each model's passes use.
    public init(threads: Int) {
        self.threads = threads
    }

    /// The policy `image` holds (see ``PolicyWeights`` for the formats).
    ///
    /// - Throws: ``PolicyError`` naming what failed: a damaged image, a base model this host lacks, adapters that do
    ///   not fit their base.
    public func load(weights image: [UInt8]) throws(PolicyError) -> ServedPolicy {
        let described = try PolicyWeights(describing: image)
        switch (described.format, described.base) {
        case (.gpt, _):
            return ServedPolicy(
                modelName: Self.gptModelName, model: try described.wholeModel(image, threads: threads), adapters: nil,
                tokenizer: ByteTokenizer(), chatTemplate: nil)
        case (.llama, let reference?):
            let files = try reference.open()
            return ServedPolicy(
                modelName: reference.description, model: try described.wholeModel(image, threads: threads),
                adapters: nil, tokenizer: files.tokenizer, chatTemplate: files.template)
        case (.lora, let reference?):
            let base = try base(reference)
            do {
                let adapters = try base.model.readAdapters(described.adapterFiles(image))
                return ServedPolicy(
                    modelName: reference.description, model: base.model, adapters: adapters,
                    tokenizer: base.files.tokenizer, chatTemplate: base.files.template)
            } catch {
                throw .invalidWeights(reason: "the adapters do not fit \(reference): \(error)")
            }
        default:
            throw .invalidWeights(reason: "\(described.format.name) weights name no base model")
        }
    }

    /// The base model `reference` names, read on first use.
    private func base(_ reference: PretrainedModelReference) throws(PolicyError) -> (files: PretrainedModelFiles, model: Llama) {
        if let base = bases[reference] { return base }
        let files = try reference.open()
        let base = (files: files, model: try files.model(threads: threads, reference: reference))
        bases[reference] = base
        return base
    }
}
