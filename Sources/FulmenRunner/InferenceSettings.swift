/// How a runner pool runs its policy model.
public struct InferenceSettings: Sendable, Hashable {
    /// OpenBLAS and generation threads for the model. Several processes sharing few cores should keep 1.
    public var threads: Int
    /// Whether model calls of concurrent episodes share forward passes. Off runs them one at a time (for
    /// comparison only).
    public var batching: Bool
    /// The most model calls one batch holds.
    public var maxBatch: Int
    /// How many weight versions stay loaded, so that rollouts pinned to a recent older version do not
    /// fetch it again.
    public var cachedVersions: Int

    public init(threads: Int = 1, batching: Bool = true, maxBatch: Int = 64, cachedVersions: Int = 3) {
        self.threads = threads
        self.batching = batching
        self.maxBatch = maxBatch
        self.cachedVersions = cachedVersions
    }
}
