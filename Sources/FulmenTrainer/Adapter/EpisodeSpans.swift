import Foundation
import FulmenCore

/// One attempt's spans, checked to belong together and put in the order they finished: by end time, then
/// by the store's arrival order where times tie. (Spans are recorded when they end, so the store's order
/// is end order too, give or take batching across concurrent tasks.)
struct EpisodeSpans {
    let rollout: RolloutID
    let attempt: AttemptID
    /// In the order they finished.
    let spans: [StoredSpan]

    init(_ spans: [StoredSpan], of rollout: RolloutID) throws(UnusableRollout) {
        self.rollout = rollout
        guard let first = spans.first else {
            throw UnusableRollout(rollout: rollout, attempt: nil, reason: .noSpans)
        }
        let others = spans.map(\.rollout).filter { $0 != rollout }.uniqued()
        if !others.isEmpty {
            throw UnusableRollout(rollout: rollout, attempt: nil, reason: .spansOfOtherRollouts(others))
        }
        let attempts = spans.map(\.attempt).uniqued()
        if attempts.count > 1 {
            throw UnusableRollout(rollout: rollout, attempt: nil, reason: .severalAttempts(attempts))
        }
        attempt = first.attempt
        self.spans = spans.sorted { ($0.span.end, $0.sequence) < ($1.span.end, $1.sequence) }
    }

    func unusable(_ reason: UnusableRollout.Reason) -> UnusableRollout {
        UnusableRollout(rollout: rollout, attempt: attempt, reason: reason)
    }

    /// The successful model calls of `agent` (`nil`: of every sub-agent), read and checked, in the order
    /// they finished (never none: that makes the rollout unusable); and how many of its calls failed.
    func modelCalls(of agent: String?) throws(UnusableRollout) -> (calls: [ModelCall], failed: Int) {
        let all = spans.filter { $0.span.name == SpanConvention.modelCall }
        let mine = all.filter { agent == nil || $0.span.agentName == agent }
        guard !mine.isEmpty else {
            throw unusable(.noModelCalls(agent: agent, otherAgents: all.map(\.span.agentName).uniqued()))
        }
        let succeeded = mine.filter { $0.span.error == nil }
        if succeeded.isEmpty {
            throw unusable(.allModelCallsFailed(agent: agent, count: mine.count, firstError: mine[0].span.error ?? ""))
        }
        var calls: [ModelCall] = []
        for stored in succeeded { calls.append(try ModelCall(stored, of: self)) }
        return (calls, mine.count - succeeded.count)
    }

    /// The rewards that count under `name` (`nil`: all), split into the final one and the others.
    ///
    /// The final reward is the last one marked final; with a name and none of that name marked final, it is
    /// the last of that name. Rewards marked final before the final one (an agent that emits its final reward
    /// and also returns it) are superseded: they are neither final nor intermediate.
    func rewards(named name: String?) -> (final: StoredSpan?, intermediate: [StoredSpan]) {
        let candidates = spans.filter {
            $0.span.name == SpanConvention.reward && (name == nil || $0.span.rewardName == name)
        }
        let finalIndex =
            candidates.lastIndex(where: \.span.isFinalReward) ?? (name == nil ? nil : candidates.indices.last)
        let intermediate = candidates.indices.filter { $0 != finalIndex && !candidates[$0].span.isFinalReward }
        return (finalIndex.map { candidates[$0] }, intermediate.map { candidates[$0] })
    }

    /// A reward span's value.
    func value(of reward: StoredSpan) throws(UnusableRollout) -> Double {
        let value: Double? =
            switch reward.span.attributes[SpanConvention.Attribute.rewardValue] {
            case .double(let value): value
            case .int(let value): Double(value)
            default: nil
            }
        guard let value, value.isFinite else { throw unusable(.invalidReward(span: reward.span.id)) }
        return value
    }
}

/// A successful model call, read from its span: token ids, log-probabilities and who made it.
struct ModelCall {
    var span: String
    var agent: String
    /// Where the call sits in its episode's end order.
    var end: Date
    var sequence: Int
    var prompt: [Int32]
    var response: [Int32]
    var logProbabilities: [Float]
    var weightsVersion: Int?

    init(_ stored: StoredSpan, of episode: EpisodeSpans) throws(UnusableRollout) {
        let span = stored.span
        /// The token ids in attribute `key`, checked to fit a tokenizer's 32-bit ids.
        func tokenIDs(_ key: String) throws(UnusableRollout) -> [Int32] {
            guard case .ints(let ids) = span.attributes[key] else {
                throw episode.unusable(.missingTokenIDs(span: span.id, attribute: key))
            }
            if let bad = ids.first(where: { $0 < 0 || $0 > Int(Int32.max) }) {
                throw episode.unusable(.invalidTokenID(span: span.id, attribute: key, value: bad))
            }
            return ids.map { Int32($0) }
        }
        typealias Key = SpanConvention.Attribute
        self.span = span.id
        agent = span.agentName
        end = span.end
        sequence = stored.sequence
        prompt = try tokenIDs(Key.promptTokens)
        response = try tokenIDs(Key.responseTokens)
        guard case .floats(let logProbabilities) = span.attributes[Key.logProbabilities] else {
            throw episode.unusable(.missingLogProbabilities(span: span.id))
        }
        guard logProbabilities.count == response.count else {
            throw episode.unusable(
                .logProbabilityCountMismatch(
                    span: span.id, tokens: response.count, logProbabilities: logProbabilities.count))
        }
        if let index = logProbabilities.firstIndex(where: { !$0.isFinite }) {
            throw episode.unusable(.invalidLogProbability(span: span.id, index: index))
        }
        self.logProbabilities = logProbabilities
        if case .int(let version) = span.attributes[Key.weightsVersion] { weightsVersion = version }
    }

    /// Whether this call finished before `other` span did (in end order).
    func finished(before other: StoredSpan) -> Bool {
        (end, sequence) < (other.span.end, other.sequence)
    }
}

extension Span {
    /// The sub-agent that made a model call; "" when the span does not say.
    var agentName: String {
        if case .string(let name) = attributes[SpanConvention.Attribute.agent] { name } else { "" }
    }

    var rewardName: String? {
        if case .string(let name) = attributes[SpanConvention.Attribute.rewardName] { name } else { nil }
    }

    /// Whether a reward span says it is the episode's final reward (a reward that does not say is not).
    var isFinalReward: Bool {
        attributes[SpanConvention.Attribute.rewardFinal] == .bool(true)
    }
}

extension Sequence where Element: Hashable {
    /// The elements without repeats, in the order they first appear.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
