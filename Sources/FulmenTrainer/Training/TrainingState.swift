import FulmenModel
import FulmenPolicy

/// The policy being trained, its optimiser and the frozen reference it is kept near.
///
/// `@unchecked Sendable`: the policy's model and `AdamW` are mutable classes, and a loaded checkpoint replaces
/// them. Only a ``PolicyTrainer`` holds this object, and it reads or replaces the policy, optimiser and reference
/// only in work run on its ``ComputeQueue``, a serial queue, so no two threads touch them at once.
final class TrainingState: @unchecked Sendable {
    let policy: TrainablePolicy
    var optimizer: AdamW
    /// The warm start, for the KL penalty; `nil` when there is none.
    var reference: PolicyReference?

    init(policy: TrainablePolicy) {
        self.policy = policy
        self.optimizer = AdamW(model: policy.model)
    }

    /// The model being trained.
    var model: any LanguageModel { policy.model }
}
