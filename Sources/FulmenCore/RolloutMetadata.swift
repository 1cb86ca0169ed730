/// The rollout metadata keys Fulmen itself writes and reads: a trainer sets them on the rollouts it
/// enqueues, and the runner's model client reads them back as the episode's sampling settings. Keys a user
/// adds keep whatever names they were given; these are the contract between the two sides.
public enum RolloutMetadata {
    /// The sampling temperature of the episode's model calls (a decimal number; `0` is greedy decoding), over
    /// the pinned `sampling` resource.
    public static let temperature = "fulmen.temperature"
    /// Top-k sampling (a whole number) over the pinned `sampling` resource.
    public static let topK = "fulmen.top_k"
    /// Nucleus sampling (a decimal number in (0, 1]) over the pinned `sampling` resource.
    public static let topP = "fulmen.top_p"
    /// The trainer's step that enqueued the rollout (a whole number), for people reading the store.
    public static let step = "fulmen.step"
}
