public import FulmenCore

/// Turns an attempt's spans into training samples (``Triplet``s) under the experiment's credit assignment.
///
/// It reads the model-call spans of the trained sub-agent (prompt and response token ids, log-probabilities,
/// weights version) and the reward spans, as the runner records them (``SpanConvention``). Spans may nest
/// in any way (a model call inside a tool call inside a span of the agent's own); only their times matter.
/// Everything is ordered by when it finished: end time, then the store's arrival order where times tie.
///
/// What it refuses rather than guesses: spans of several attempts or rollouts, a model call without its
/// token ids or with a log-probability per token missing, a rollout without the reward the mode needs. Each
/// makes the whole rollout an ``UnusableRollout`` with a reason naming the span at fault; no zero is ever
/// filled in. Failed model calls (an error on the span, no response) make no sample and are counted.
public struct TripletAdapter: Sendable {
    public var options: AdapterOptions

    public init(_ options: AdapterOptions = AdapterOptions()) {
        self.options = options
    }

    /// The samples of one rollout, from the spans of its latest attempt.
    /// - Throws: ``UnusableRollout`` when the spans yield no sample faithful to what happened.
    public func adapt(_ spans: [StoredSpan], of rollout: RolloutID) throws(UnusableRollout) -> AdaptedRollout {
        let episode = try EpisodeSpans(spans, of: rollout)
        let (calls, failed) = try episode.modelCalls(of: options.agent)
        let rewards = episode.rewards(named: options.rewardName)
        let finalReward = try rewards.final.map { final throws(UnusableRollout) in try episode.value(of: final) }
        var adapted = AdaptedRollout(
            rollout: rollout, attempt: episode.attempt, triplets: [], finalReward: finalReward,
            failedCallsSkipped: failed)
        switch options.creditAssignment {
        case .finalReward:
            guard let reward = finalReward else { throw episode.unusable(.noFinalReward(name: options.rewardName)) }
            adapted.triplets = calls.map { sample($0, reward: reward, in: episode) }
        case .intermediate, .returnToGo:
            guard finalReward != nil || !rewards.intermediate.isEmpty else {
                throw episode.unusable(.noReward(name: options.rewardName))
            }
            var credit = [Double](repeating: 0, count: calls.count)
            for reward in rewards.intermediate {
                let value = try episode.value(of: reward)
                if let index = calls.lastIndex(where: { $0.finished(before: reward) }) {
                    credit[index] += value
                } else {
                    adapted.uncreditedRewards += 1
                }
            }
            if let finalReward { credit[calls.count - 1] += finalReward }
            if options.creditAssignment == .returnToGo {
                for index in credit.indices.dropLast().reversed() { credit[index] += credit[index + 1] }
            }
            adapted.triplets = zip(calls, credit).map { sample($0, reward: $1, in: episode) }
        case .trajectory:
            guard let reward = finalReward else { throw episode.unusable(.noFinalReward(name: options.rewardName)) }
            adapted.triplets = [try trajectory(calls, reward: reward, in: episode)]
        }
        return adapted
    }

    /// The samples of many rollouts, each given with the spans of its latest attempt. Unusable rollouts
    /// are collected with their reasons, not thrown.
    public func adapt(_ rollouts: [(rollout: RolloutID, spans: [StoredSpan])]) -> AdapterBatch {
        var batch = AdapterBatch()
        for (rollout, spans) in rollouts {
            do {
                batch.usable.append(try adapt(spans, of: rollout))
            } catch {
                batch.unusable.append(error)
            }
        }
        return batch
    }

    /// One model call as a sample: all its response tokens trained on.
    private func sample(_ call: ModelCall, reward: Double, in episode: EpisodeSpans) -> Triplet {
        Triplet(
            rollout: episode.rollout, attempt: episode.attempt, agent: call.agent, prompt: call.prompt,
            response: call.response, trainable: Array(repeating: true, count: call.response.count),
            logProbabilities: call.logProbabilities, reward: reward, weightsVersion: call.weightsVersion)
    }

    /// The whole episode as one sample: the first call's prompt, then each call's response (trained on) and
    /// the tokens the environment added before the next call's prompt ends (not trained on, log-prob 0).
    ///
    /// Its agent is the calls' sub-agent (several joined by "+", when every call is trained on), and its
    /// weights version the oldest the calls used, so that a staleness check errs on the safe side.
    private func trajectory(
        _ calls: [ModelCall], reward: Double, in episode: EpisodeSpans
    ) throws(UnusableRollout) -> Triplet {
        let first = calls[0]
        var context = first.prompt + first.response
        var response = first.response
        var trainable = Array(repeating: true, count: first.response.count)
        var logProbabilities = first.logProbabilities
        for (previous, call) in zip(calls, calls.dropFirst()) {
            guard call.prompt.starts(with: context) else {
                let position =
                    zip(call.prompt, context).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? call.prompt.count
                throw episode.unusable(.brokenPrefix(span: call.span, previous: previous.span, position: position))
            }
            let observation = call.prompt[context.count...]
            response += observation
            trainable += Array(repeating: false, count: observation.count)
            logProbabilities += Array(repeating: 0, count: observation.count)
            response += call.response
            trainable += Array(repeating: true, count: call.response.count)
            logProbabilities += call.logProbabilities
            context = call.prompt + call.response
        }
        return Triplet(
            rollout: episode.rollout, attempt: episode.attempt,
            agent: calls.map(\.agent).uniqued().joined(separator: "+"), prompt: first.prompt, response: response,
            trainable: trainable, logProbabilities: logProbabilities, reward: reward,
            weightsVersion: calls.compactMap(\.weightsVersion).min())
    }
}

extension TripletAdapter {
    /// The final reward an attempt's spans record (the last reward marked final), or `nil` when there is none.
    /// - Throws: ``UnusableRollout`` when the spans are not one attempt's of `rollout`, or the reward is not a number.
    public static func finalReward(_ spans: [StoredSpan], of rollout: RolloutID) throws(UnusableRollout) -> Double? {
        let episode = try EpisodeSpans(spans, of: rollout)
        guard let final = episode.rewards(named: nil).final else { return nil }
        return try episode.value(of: final)
    }
}
