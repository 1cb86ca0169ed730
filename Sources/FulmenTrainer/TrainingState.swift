import FulmenModel

/// The policy being trained, its optimiser and the frozen reference it is kept near.
///
/// `@unchecked Sendable`: `GPT` and `AdamW` are mutable classes. An experiment hands this object only to
/// its ``ComputeQueue``, a serial queue, and every use of the model and optimiser happens in work run on
/// that queue, so no two threads touch them at once.
final class TrainingState: @unchecked Sendable {
    let model: GPT
    let optimizer: AdamW
    /// The warm start, for the KL penalty; `nil` when there is none.
    var reference: GPT?

    init(model: GPT) {
        self.model = model
        self.optimizer = AdamW(model: model)
    }
}
