public import FulmenCore

/// A rollout whose spans yield no training sample, and why.
///
/// The adapter never fills a gap with a made-up value (a zero reward, an empty prompt): a rollout it cannot
/// read faithfully is reported as unusable, so the trainer can say how many of a batch were lost and to what.
public struct UnusableRollout: Error, Sendable, Equatable, CustomStringConvertible {
    public var rollout: RolloutID
    /// The attempt whose spans were read; `nil` when there were none, or they came from several attempts.
    public var attempt: AttemptID?
    public var reason: Reason

    public init(rollout: RolloutID, attempt: AttemptID?, reason: Reason) {
        self.rollout = rollout
        self.attempt = attempt
        self.reason = reason
    }

    public var description: String {
        let attempt = attempt.map { " (attempt \($0))" } ?? ""
        return "rollout \(rollout)\(attempt) is unusable: \(reason)"
    }

    /// What was wrong. Span ids name the span at fault, so it can be found with `fulmen traces`.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// The rollout has no spans.
        case noSpans
        /// Some of the spans belong to other rollouts (listed).
        case spansOfOtherRollouts([RolloutID])
        /// The spans come from several attempts (listed); a rollout is read from its latest attempt only.
        case severalAttempts([AttemptID])
        /// No model call was made by the trained sub-agent (`nil`: by anyone). `otherAgents` lists the
        /// sub-agents that did call the model, to catch a misspelt name.
        case noModelCalls(agent: String?, otherAgents: [String])
        /// Every model call of the trained sub-agent failed; `firstError` is the first one's error.
        case allModelCallsFailed(agent: String?, count: Int, firstError: String)
        /// The episode has no final reward (of the chosen name, if any).
        case noFinalReward(name: String?)
        /// The episode has no reward at all (of the chosen name, if any).
        case noReward(name: String?)
        /// A reward span's value is missing, not a number, or not finite.
        case invalidReward(span: String)
        /// A model call's span lacks its token ids (`attribute` says which).
        case missingTokenIDs(span: String, attribute: String)
        /// A model call's span holds a token id no tokenizer makes (negative, or beyond 32 bits).
        case invalidTokenID(span: String, attribute: String, value: Int)
        /// A model call's span lacks the log-probabilities of its response tokens.
        case missingLogProbabilities(span: String)
        /// A model call's span holds a different number of log-probabilities than response tokens.
        case logProbabilityCountMismatch(span: String, tokens: Int, logProbabilities: Int)
        /// A model call's log-probability at `index` is not finite.
        case invalidLogProbability(span: String, index: Int)
        /// Whole-trajectory mode: the prompt of model call `span` does not start with the prompt and response
        /// of the call before it (`previous`); they first differ at token `position` of its prompt.
        case brokenPrefix(span: String, previous: String, position: Int)

        /// A short name for the kind of problem, without the particulars, to count rollouts by
        /// ("no final reward", "log-prob count mismatch").
        public var kind: String {
            switch self {
            case .noSpans: "no spans"
            case .spansOfOtherRollouts: "spans of other rollouts"
            case .severalAttempts: "spans from several attempts"
            case .noModelCalls: "no model calls"
            case .allModelCallsFailed: "all model calls failed"
            case .noFinalReward: "no final reward"
            case .noReward: "no reward"
            case .invalidReward: "invalid reward"
            case .missingTokenIDs: "missing token ids"
            case .invalidTokenID: "invalid token id"
            case .missingLogProbabilities: "missing log-probs"
            case .logProbabilityCountMismatch: "log-prob count mismatch"
            case .invalidLogProbability: "invalid log-prob"
            case .brokenPrefix: "trajectory prefix broken"
            }
        }

        public var description: String {
            switch self {
            case .noSpans:
                "it has no spans"
            case .spansOfOtherRollouts(let others):
                "some of its spans belong to other rollouts (\(others.map(\.rawValue).joined(separator: ", ")))"
            case .severalAttempts(let attempts):
                "its spans come from several attempts (\(attempts.map(\.rawValue).joined(separator: ", "))); "
                    + "read only the latest attempt's"
            case .noModelCalls(nil, _):
                "it made no model calls"
            case .noModelCalls(let agent?, let others):
                "sub-agent '\(agent)' made no model calls"
                    + (others.isEmpty ? "" : " (calls were made by: \(others.joined(separator: ", ")))")
            case .allModelCallsFailed(let agent, let count, let error):
                (count == 1 ? "its only model call" : "all \(count) of its model calls")
                    + (agent.map { " of sub-agent '\($0)'" } ?? "")
                    + (count == 1 ? " failed: " : " failed, the first with: ") + error
            case .noFinalReward(nil):
                "it has no final reward"
            case .noFinalReward(let name?):
                "it has no reward named '\(name)'"
            case .noReward(nil):
                "it has no reward at all"
            case .noReward(let name?):
                "it has no reward named '\(name)'"
            case .invalidReward(let span):
                "reward span \(span) has no finite '\(SpanConvention.Attribute.rewardValue)'"
            case .missingTokenIDs(let span, let attribute):
                "model call span \(span) has no token ids in '\(attribute)'"
            case .invalidTokenID(let span, let attribute, let value):
                "model call span \(span) holds token id \(value) in '\(attribute)', which no tokenizer makes"
            case .missingLogProbabilities(let span):
                "model call span \(span) has no log-probabilities in '\(SpanConvention.Attribute.logProbabilities)'"
            case .logProbabilityCountMismatch(let span, let tokens, let logProbabilities):
                "model call span \(span) has \(counted(tokens, "response token")) but "
                    + counted(logProbabilities, "log-probability", plural: "log-probabilities")
            case .invalidLogProbability(let span, let index):
                "model call span \(span) has a log-probability that is not finite (response token \(index))"
            case .brokenPrefix(let span, let previous, let position):
                "model call span \(span) does not continue model call span \(previous): its prompt departs from "
                    + "the previous prompt and response at token \(position), so the turns cannot be joined "
                    + "into one trajectory"
            }
        }
    }
}

/// "1 token", "2 tokens".
func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}
