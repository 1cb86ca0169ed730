import FulmenModel

/// The policy being trained, its optimiser and the frozen reference it is kept near.
///
/// `@unchecked Sendable`: `GPT` and `AdamW` are mutable classes, and a loaded checkpoint replaces them. Only a
/// ``PolicyTrainer`` holds this object, and it reads or replaces the model, optimiser and reference only in
/// work run on its ``ComputeQueue``, a serial queue, so no two threads touch them at once.
final class TrainingState: @unchecked Sendable {
    var model: GPT
    var optimizer: AdamW
    /// The warm start, for the KL penalty; `nil` when there is none.
    var reference: GPT?

    init(model: GPT) {
        self.model = model
        self.optimizer = AdamW(model: model)
    }
}
