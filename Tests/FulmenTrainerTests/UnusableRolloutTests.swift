import FulmenCore
import FulmenTrainer
import Testing

@Suite("Unusable rollouts")
struct UnusableRolloutTests {
    typealias T = SpanTree
    typealias Key = SpanConvention.Attribute

    /// What `spans` make under `mode`: the reason they are unusable, or `nil` when they yield samples.
    func reason(_ spans: [StoredSpan], _ mode: CreditAssignment = .finalReward) -> UnusableRollout.Reason? {
        do {
            let adapted = try TripletAdapter(AdapterOptions(creditAssignment: mode, agent: "solver"))
                .adapt(spans, of: T.rollout)
            #expect(!adapted.triplets.isEmpty)
            return nil
        } catch {
            return error.reason
        }
    }

    /// One solver call between a tool and the final reward, with the call's span as given.
    func episode(_ call: Span) -> [StoredSpan] {
        T.stored([call, T.reward("3", at: 5, 1, final: true), T.episode()])
    }

    @Test(arguments: CreditAssignment.allCases)
    func aRolloutWithoutRewardIsUnusableNeverAZeroRewardSample(mode: CreditAssignment) {
        let spans = T.stored([T.call("2", from: 1, to: 2, prompt: [1], response: [2]), T.episode()])
        let reason = reason(spans, mode)
        #expect(reason == ([.intermediate, .returnToGo].contains(mode) ? .noReward(name: nil) : .noFinalReward(name: nil)))
    }

    @Test(arguments: CreditAssignment.allCases)
    func missingTokenIDsNameTheSpan(mode: CreditAssignment) {
        let noPrompt = T.call("2", from: 1, to: 2, prompt: [1], response: [2], omit: [Key.promptTokens])
        #expect(reason(episode(noPrompt), mode) == .missingTokenIDs(span: "2", attribute: Key.promptTokens))
        let noResponse = T.call("2", from: 1, to: 2, prompt: [1], response: [2], omit: [Key.responseTokens])
        #expect(reason(episode(noResponse), mode) == .missingTokenIDs(span: "2", attribute: Key.responseTokens))
    }

    @Test func tokenIDsOfAnotherTypeAreMissing() {
        var call = T.call("2", from: 1, to: 2, prompt: [1], response: [2])
        call.attributes[Key.promptTokens] = .string("1 2 3")
        #expect(reason(episode(call)) == .missingTokenIDs(span: "2", attribute: Key.promptTokens))
    }

    @Test func aTokenIDNoTokenizerMakesIsReported() {
        let negative = T.call("2", from: 1, to: 2, prompt: [1, -3], response: [2])
        #expect(reason(episode(negative)) == .invalidTokenID(span: "2", attribute: Key.promptTokens, value: -3))
        let huge = T.call("2", from: 1, to: 2, prompt: [1], response: [1 << 40])
        #expect(reason(episode(huge)) == .invalidTokenID(span: "2", attribute: Key.responseTokens, value: 1 << 40))
    }

    @Test(arguments: CreditAssignment.allCases)
    func logProbabilitiesMustMatchTheResponseTokenForToken(mode: CreditAssignment) {
        let short = T.call("2", from: 1, to: 2, prompt: [1], response: [2, 3, 4], logProbabilities: [-0.1, -0.2])
        let reason = reason(episode(short), mode)
        #expect(reason == .logProbabilityCountMismatch(span: "2", tokens: 3, logProbabilities: 2))
        #expect(reason?.description == "model call span 2 has 3 response tokens but 2 log-probabilities")
        let none = T.call("2", from: 1, to: 2, prompt: [1], response: [2], omit: [Key.logProbabilities])
        #expect(self.reason(episode(none), mode) == .missingLogProbabilities(span: "2"))
        let nan = T.call("2", from: 1, to: 2, prompt: [1], response: [2, 3], logProbabilities: [-0.1, .nan])
        #expect(self.reason(episode(nan), mode) == .invalidLogProbability(span: "2", index: 1))
    }

    @Test func aBrokenCallOfAnUntrainedSubAgentDoesNotMatter() {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.call("3", agent: "critic", from: 3, to: 4, prompt: [1], response: [2], omit: [Key.responseTokens]),
            T.reward("4", at: 5, 1, final: true),
            T.episode(),
        ])
        #expect(reason(spans) == nil)
    }

    @Test func anInvalidRewardValueIsReported() {
        var bad = T.reward("3", at: 5, 1, final: true)
        bad.attributes[Key.rewardValue] = .string("1.0")
        let spans = T.stored([T.call("2", from: 1, to: 2, prompt: [1], response: [2]), bad, T.episode()])
        #expect(reason(spans) == .invalidReward(span: "3"))
        var infinite = bad
        infinite.attributes[Key.rewardValue] = .double(.infinity)
        #expect(
            reason(T.stored([T.call("2", from: 1, to: 2, prompt: [1], response: [2]), infinite]))
                == .invalidReward(span: "3"))
        // An integer reward is a reward.
        var whole = bad
        whole.attributes[Key.rewardValue] = .int(1)
        #expect(reason(T.stored([T.call("2", from: 1, to: 2, prompt: [1], response: [2]), whole])) == nil)
    }

    @Test(arguments: CreditAssignment.allCases)
    func onlyFailedCallsAreUnusable(mode: CreditAssignment) {
        let spans = T.stored([
            T.failedCall("2", from: 1, to: 2, prompt: [1]),
            T.failedCall("3", from: 3, to: 4, prompt: [1]),
            T.reward("4", at: 5, 1, final: true),
            T.episode(),
        ])
        let reason = reason(spans, mode)
        #expect(reason == .allModelCallsFailed(agent: "solver", count: 2, firstError: "policy model: prompt too long"))
        #expect(
            reason?.description
                == "all 2 of its model calls of sub-agent 'solver' failed, the first with: policy model: prompt too long")
    }

    @Test func spansFromTwoAttemptsAreRefused() {
        let first = T.stored([T.call("2", from: 1, to: 2, prompt: [1], response: [2])], attempt: "a1")
        let second = T.stored(
            [T.call("2", from: 11, to: 12, prompt: [1], response: [3]), T.reward("3", at: 13, 1, final: true)],
            attempt: "a2")
        let error = #expect(throws: UnusableRollout.self) {
            try TripletAdapter().adapt(first + second, of: T.rollout)
        }
        #expect(error?.reason == .severalAttempts(["a1", "a2"]))
        #expect(error?.attempt == nil)
        #expect(
            error?.description
                == "rollout r1 is unusable: its spans come from several attempts (a1, a2); "
                + "read only the latest attempt's")
    }

    @Test func spansOfAnotherRolloutAreRefused() {
        let spans =
            T.stored([T.call("2", from: 1, to: 2, prompt: [1], response: [2])])
            + T.stored([T.reward("3", at: 13, 1, final: true)], rollout: "r2")
        #expect(reason(spans) == .spansOfOtherRollouts(["r2"]))
    }

    @Test func noSpansAtAllIsUnusable() {
        let error = #expect(throws: UnusableRollout.self) { try TripletAdapter().adapt([], of: "r9") }
        #expect(error?.rollout == "r9" && error?.reason == .noSpans)
    }

    @Test func everyReasonSaysWhatWasWrong() {
        let reasons: [UnusableRollout.Reason] = [
            .noSpans, .spansOfOtherRollouts(["r2"]), .severalAttempts(["a1", "a2"]),
            .noModelCalls(agent: nil, otherAgents: []), .allModelCallsFailed(agent: nil, count: 1, firstError: "x"),
            .noFinalReward(name: nil), .noReward(name: "n"), .invalidReward(span: "s"),
            .missingTokenIDs(span: "s", attribute: "a"), .invalidTokenID(span: "s", attribute: "a", value: -1),
            .missingLogProbabilities(span: "s"),
            .logProbabilityCountMismatch(span: "s", tokens: 1, logProbabilities: 0),
            .invalidLogProbability(span: "s", index: 0), .brokenPrefix(span: "s", previous: "p", position: 0),
        ]
        #expect(Set(reasons.map(\.kind)).count == reasons.count)
        #expect(Set(reasons.map(\.description)).count == reasons.count)
        // Those about one span name it.
        for reason in reasons[7...] {
            #expect(reason.description.contains("span s"), "\(reason)")
        }
    }
}
