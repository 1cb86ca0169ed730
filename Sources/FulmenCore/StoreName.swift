/// The name the store actor is known by on its node, whichever of its protocols a caller resolves
/// (`RunnerStore`, `TrainerStore`, `ControlStore`, `StoreReads`).
public enum StoreName {
    public static let wellKnown = "store"
}
