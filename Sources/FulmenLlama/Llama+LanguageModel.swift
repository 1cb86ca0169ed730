public import FulmenModel

/// The Llama through the family-independent ``LanguageModel`` interface: every parameter is trainable, and the
/// matrices and embeddings take weight decay (not the norms); with LoRA adapters attached, only the adapters are
/// trainable, all decayed (as Hugging Face's trainer decays every LoRA matrix).
extension Llama: LanguageModel {
    public var family: ModelFamily { .llama }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }
    public var trainableParameterCount: Int { adapters?.parameterCount ?? layout.count }

    public var decayedParameterRanges: [Range<Int>] {
        if let adapters { return [0..<adapters.parameterCount] }
        return layout.entries.filter { $0.shape.count >= 2 }.map { $0.offset..<($0.offset + $0.count) }
    }

    public func updateTrainableParameters(_ body: (TrainableParameters) -> Void) {
        if let adapters {
            // The base stays as it is: its compact copy for decoding stays valid.
            body(
                TrainableParameters(
                    values: adapters.parameters.base, gradients: adapters.gradients.base, count: adapters.parameterCount))
        } else {
            body(TrainableParameters(values: parameters.base, gradients: gradients.base, count: layout.count))
            weightsDidChange()
        }
    }
}
