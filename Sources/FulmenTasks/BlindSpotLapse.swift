import FulmenModel

/// Which of an imperfect demonstrator's blind-spot inputs it plays right all the same: one in
/// ``period``, picked by a stable hash of the input, so no model can tell them from the rest.
///
/// Reinforcement learning reinforces only what a policy samples. A demonstrator that never shows the
/// right behaviour at its blind spot leaves a warm start that never samples it there either (measured on
/// calc: 0 of 1,922 products sampled at temperature 1 answered by copying the calculator), so every group
/// of rollouts at the blind spot fails alike and gives no gradient. Shown on an unpredictable share of
/// the inputs, the right behaviour stays the warm start's less likely choice, so greedy decoding keeps
/// the blind spot (the warm start still inherits its teacher's mistakes), while sampling finds the right
/// behaviour now and then and reward can then make it the likely one.
enum BlindSpotLapse {
    /// One blind-spot input in this many is played right.
    static let period: UInt64 = 4

    /// Whether the input named by `key` is played right despite the blind spot; the same in every process.
    static func playsRight(_ key: String) -> Bool {
        var random = SeededRandom(seed: StableHash.of(key))
        return random.next() % period == 0
    }
}
