import FulmenCore
import FulmenTrainer
import Testing

@Suite("Final-reward credit")
struct FinalRewardTests {
    typealias T = SpanTree

    /// A solver call, then a tool whose body calls the solver again (nested), a critic's call, an intermediate
    /// reward and the final one.
    let spans = SpanTree.stored([
        T.call("2", from: 1, to: 2, prompt: [10, 11], response: [12, 13, 14]),
        T.call("4", parent: "3", from: 3, to: 4, prompt: [20], response: [21]),
        T.tool("3", from: 2.5, to: 5),
        T.call("5", agent: "critic", from: 6, to: 7, prompt: [30], response: [31, 32]),
        T.reward("6", at: 8, 0.25),
        T.reward("7", at: 9, 1.0, final: true),
        T.episode(),
    ])

    @Test func everyCallOfTheTrainedSubAgentGetsTheFinalReward() throws {
        let adapted = try TripletAdapter(AdapterOptions(agent: "solver")).adapt(spans, of: T.rollout)
        #expect(adapted.rollout == T.rollout && adapted.attempt == T.attempt)
        #expect(adapted.failedCallsSkipped == 0 && adapted.uncreditedRewards == 0)
        let expected = [
            Triplet(
                rollout: T.rollout, attempt: T.attempt, agent: "solver", prompt: [10, 11], response: [12, 13, 14],
                trainable: [true, true, true], logProbabilities: [-1.2, -1.3, -1.4], reward: 1.0, weightsVersion: 7),
            Triplet(
                rollout: T.rollout, attempt: T.attempt, agent: "solver", prompt: [20], response: [21],
                trainable: [true], logProbabilities: [-2.1], reward: 1.0, weightsVersion: 7),
        ]
        #expect(adapted.triplets == expected)
    }

    @Test func withoutATrainedSubAgentEveryCallIsASample() throws {
        let adapted = try TripletAdapter(AdapterOptions(agent: nil)).adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.agent) == ["solver", "solver", "critic"])
        #expect(adapted.triplets.map(\.response) == [[12, 13, 14], [21], [31, 32]])
        #expect(adapted.triplets.allSatisfy { $0.reward == 1.0 })
    }

    @Test func theOtherSubAgentAloneCanBeTrained() throws {
        let adapted = try TripletAdapter(AdapterOptions(agent: "critic")).adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.prompt) == [[30]])
    }

    @Test func aSubAgentThatMadeNoCallMakesTheRolloutUnusableNamingThoseThatDid() {
        let error = #expect(throws: UnusableRollout.self) {
            try TripletAdapter(AdapterOptions(agent: "solvr")).adapt(spans, of: T.rollout)
        }
        #expect(error?.reason == .noModelCalls(agent: "solvr", otherAgents: ["solver", "critic"]))
        #expect(error?.description.contains("'solvr' made no model calls (calls were made by: solver, critic)") == true)
    }

    @Test func theLastRewardMarkedFinalSupersedesEarlierOnes() throws {
        // An agent that emits its final reward and also returns one.
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 3, 0.5, final: true),
            T.reward("4", at: 4, 0.75, final: true),
            T.episode(),
        ])
        let adapted = try TripletAdapter().adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.reward) == [0.75])
    }

    @Test func aNamedRewardIsChosenByName() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 3, 0.8, name: "accuracy"),
            T.reward("4", at: 4, 0.3, name: "style"),
            T.reward("5", at: 4.5, 0.9, name: "style", final: true),
            T.reward("6", at: 5, 0.4, name: "style"),
            T.reward("7", at: 6, 1.1, final: true),
            T.episode(),
        ])
        func reward(_ name: String?) throws -> Double? {
            try TripletAdapter(AdapterOptions(rewardName: name)).adapt(spans, of: T.rollout).triplets.first?.reward
        }
        #expect(try reward(nil) == 1.1)
        // Not marked final: the last of its name.
        #expect(try reward("accuracy") == 0.8)
        // Marked final: the final one of its name, even with a later one of that name.
        #expect(try reward("style") == 0.9)
        let error = #expect(throws: UnusableRollout.self) { try reward("speed") }
        #expect(error?.reason == .noFinalReward(name: "speed"))
    }

    @Test func intermediateRewardsAloneAreNoFinalReward() {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 3, 0.5),
            T.episode(),
        ])
        let error = #expect(throws: UnusableRollout.self) { try TripletAdapter().adapt(spans, of: T.rollout) }
        #expect(error?.reason == .noFinalReward(name: nil))
        #expect(error?.attempt == T.attempt)
    }

    @Test func failedCallsMakeNoSampleAndAreCounted() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.failedCall("3", from: 3, to: 4, prompt: [1, 2, 3]),
            T.call("4", from: 5, to: 6, prompt: [1, 2, 3], response: [4]),
            T.reward("5", at: 7, 1, final: true),
            T.episode(),
        ])
        let adapted = try TripletAdapter().adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.prompt) == [[1], [1, 2, 3]])
        #expect(adapted.failedCallsSkipped == 1)
    }
}
