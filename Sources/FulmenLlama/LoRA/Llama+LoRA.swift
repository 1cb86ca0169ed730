import FulmenModel

/// Low-rank adaptation of a loaded model: attach adapters to a frozen base, train them (only they are lent to the
/// optimiser, and only their gradients are computed), then save them in PEFT's layout
/// (``exportAdapters(baseModel:)``) or fold them into the base weights (``mergeAdapters()``), for instance to export
/// the fine-tuned model as GGUF for llama.cpp (``exportGGUF(to:format:metadata:)``).
///
/// ```swift
/// let model = try Llama(gguf: path)
/// try model.attachAdapters(LoRAConfig(rank: 8, alpha: 16, targets: [.query, .value]), seed: 1)
/// // ... train through LanguageModel / AdamW as usual ...
/// try model.saveAdapters(to: directory, baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct")
/// ```
extension Llama {
    /// Attaches fresh adapters as PEFT initialises them (A Kaiming-uniform, B zero), so the model's outputs are
    /// unchanged until they are trained. From now on the base is frozen.
    ///
    /// - Parameter seed: Seeds A and the training dropout.
    /// - Throws: ``LoRAError/invalidConfiguration(field:reason:)`` naming the bad field, or
    ///   ``LoRAError/adaptersAlreadyAttached``.
    @discardableResult
    public func attachAdapters(_ lora: LoRAConfig, seed: UInt64) throws(LoRAError) -> LoRAAdapters {
        try lora.validate()
        guard adapters == nil else { throw .adaptersAlreadyAttached }
        let attached = LoRAAdapters(model: config, config: lora, seed: seed)
        adapters = attached
        return attached
    }

    /// Removes the adapters (the base is trainable again) and returns them, or nil if there were none.
    @discardableResult
    public func detachAdapters() -> LoRAAdapters? {
        defer { adapters = nil }
        return adapters
    }

    /// Folds the adapters into the base weights, `W += (alpha / r) · B A` for every target, and detaches them: the
    /// model then computes what the adapted model did (up to rounding) at the base's cost, for export or serving.
    ///
    /// - Throws: ``LoRAError/noAdapters``.
    public func mergeAdapters() throws(LoRAError) {
        guard let adapters else { throw .noAdapters }
        let lora = adapters.config
        for site in adapters.layout.sites {
            let block = layout.blocks[site.layer]
            let offset: Int =
                switch site.product {
                case .qkv: block.qkv
                case .attentionOutput: block.attentionOutput
                case .gateUp: block.gateUp
                case .down: block.down
                }
            let weight = parameters.base + offset + site.column * site.inputSize
            sgemm(
                false, false, m: site.outputSize, n: site.inputSize, k: lora.rank, alpha: lora.scale,
                a: adapters.parameters.base + site.b, lda: lora.rank, b: adapters.parameters.base + site.a,
                ldb: site.inputSize, beta: 1, c: weight, ldc: site.inputSize)
        }
        self.adapters = nil
        // The base changed: a compact copy for decoding is made again from it when next needed.
        weightsDidChange()
    }
}
