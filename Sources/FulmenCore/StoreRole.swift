/// What a caller of the store is, which decides the calls it may make. With CurveZMQ keys, a key's
/// role is written on its line of the store's allow-list (`KEY NAME role=runner`, as
/// `fulmen keygen NAME --role runner` writes it), and the store refuses any call outside it with
/// `StoreError.Code.permissionDenied`, naming the call and the role.
///
/// | role | may call |
/// |---|---|
/// | `runner` | `RunnerStore` |
/// | `trainer` | `TrainerStore` and `StoreReads` |
/// | `control` | `ControlStore` and `StoreReads` |
/// | `admin` | everything |
///
/// A key with no role on its line (or no line any more: removed from the allow-list while its
/// connection stayed open) may call nothing. Without keys (plain text) the store cannot tell
/// callers apart, and every caller may call everything.
public enum StoreRole: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// A runner pool: claims rollouts and reports on their attempts.
    case runner
    /// A trainer: runs experiments, enqueues rollouts, publishes resources, and reads.
    case trainer
    /// A person or script running the control commands: submits and cancels, and reads.
    case control
    /// Everything, for the operators of the store itself.
    case admin

    /// The allow-list attribute that holds a key's role: `role=runner`.
    public static let attribute = "role"

    public var description: String { rawValue }
}
