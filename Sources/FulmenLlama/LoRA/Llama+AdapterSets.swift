/// Several adapter sets on one base: a runner keeps one base model in memory and, between batches, switches to the
/// adapters of the weights version the next batch was sampled with; a trainer scores with a frozen copy of its
/// adapters (the reference of a KL penalty) the same way.
extension Llama {
    /// Attaches `adapters` in place of the current ones (nil: the bare base), and answers those it replaced.
    ///
    /// - Throws: ``LoRAError/invalidConfiguration(field:reason:)`` when `adapters` were made for a model of another
    ///   shape.
    @discardableResult
    public func swapAdapters(_ replacement: LoRAAdapters?) throws(LoRAError) -> LoRAAdapters? {
        if let replacement, replacement.model != config {
            throw .invalidConfiguration(field: "adapters", reason: "they were made for a model of another shape")
        }
        defer { adapters = replacement }
        return adapters
    }

    /// Adapters read from PEFT's two files, not attached (see ``importAdapters(_:seed:)`` for what is checked);
    /// the model's own adapters stay as they are.
    public func readAdapters(_ files: PEFTAdapterFiles, seed: UInt64 = 0) throws(LoRAError) -> LoRAAdapters {
        let attached = detachAdapters()
        defer { adapters = attached }
        try importAdapters(files, seed: seed)
        return detachAdapters()!
    }
}
