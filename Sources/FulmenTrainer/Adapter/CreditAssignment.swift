/// How an episode's rewards are credited to the model calls that earned them: which training samples an
/// episode makes and which reward each sample carries.
///
/// An experiment chooses one; its raw value is what the experiment's specification says, so the raw values
/// never change.
public enum CreditAssignment: String, Codable, Sendable, CaseIterable {
    /// One sample per model call of the trained sub-agent, each carrying the episode's final reward.
    /// The simplest choice, and the right one when only the outcome is judged: every call shares
    /// the credit (or the blame) for it.
    case finalReward = "final"
    /// One sample per model call of the trained sub-agent, each carrying the rewards that came between it
    /// and the next call: a reward goes to the latest call that finished before it, the final reward to
    /// the last call. For rewards that score each call on its own (a critic's verdict on a response); a
    /// call no reward followed carries 0. Where a call's worth shows only later, use ``returnToGo``.
    case intermediate
    /// One sample per model call of the trained sub-agent, each carrying its return: the rewards credited to
    /// it as under ``intermediate``, and every one credited to the calls after it, the final reward
    /// included. For episodes where a call earns what later calls collect, as a maze's moves earn its goal:
    /// a policy gradient on the return weighs each call by everything it led to, where
    /// ``intermediate`` would teach each call only the reward right after it.
    case returnToGo = "return"
    /// One sample per episode: the first call's prompt, then every later turn as one response in which the
    /// tokens the model made are trained on and the tokens the environment added between calls are not.
    /// The sample carries the final reward. It needs each call's prompt to extend the previous call's
    /// prompt and response, as a chat that only ever appends does. With no trained sub-agent chosen, the calls
    /// of every sub-agent make the one trajectory, and its agent reads "planner+solver".
    case trajectory
}
