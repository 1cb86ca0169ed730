public import FulmenModel

/// The Llama through the family-independent ``LanguageModel`` interface: every parameter is trainable, and the
/// matrices and embeddings take weight decay (not the norms).
extension Llama: LanguageModel {
    public var family: ModelFamily { .llama }
    public var vocabularySize: Int { config.vocabularySize }
    public var contextLength: Int { config.contextLength }
    public var trainableParameterCount: Int { layout.count }

    public var decayedParameterRanges: [Range<Int>] {
        layout.entries.filter { $0.shape.count >= 2 }.map { $0.offset..<($0.offset + $0.count) }
    }

    public func updateTrainableParameters(_ body: (TrainableParameters) -> Void) {
        body(TrainableParameters(values: parameters.base, gradients: gradients.base, count: layout.count))
        weightsDidChange()
    }
}
