import FulmenCore
import FulmenTrainer
import Testing

@Suite("Intermediate-reward and return credit")
struct IntermediateRewardTests {
    typealias T = SpanTree
    let adapter = TripletAdapter(AdapterOptions(creditAssignment: .intermediate, agent: "solver"))

    @Test func eachRewardGoesToTheLatestCallThatFinishedBeforeIt() throws {
        let spans = T.stored([
            T.reward("2", at: 0.5, 0.01),  // before any call: nobody earned it
            T.call("3", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("4", at: 2.5, 0.1),
            T.call("5", agent: "critic", from: 2.6, to: 2.8, prompt: [9], response: [9]),
            T.reward("6", at: 2.9, 0.2),  // after the critic's call, still the solver's first call's
            T.call("7", parent: "8", from: 3, to: 4, prompt: [1, 2], response: [3]),  // inside a tool
            T.tool("8", from: 2.95, to: 4.5),
            T.reward("9", at: 5.5, 0.5),  // while the third call runs: it has not finished yet
            T.call("10", from: 5, to: 6, prompt: [1, 2, 3], response: [4]),
            T.reward("11", at: 7, 1.0, final: true),
            T.episode(),
        ])
        let adapted = try adapter.adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.prompt) == [[1], [1, 2], [1, 2, 3]])
        let rewards = adapted.triplets.map(\.reward)
        #expect(rewards.count == 3)
        #expect(abs(rewards[0] - 0.3) < 1e-12)
        #expect(abs(rewards[1] - 0.5) < 1e-12)
        #expect(rewards[2] == 1.0)
        #expect(adapted.uncreditedRewards == 1)
        // The episode's outcome stays apart from what its calls were credited with.
        #expect(adapted.finalReward == 1.0)
    }

    @Test func underReturnCreditEachCallCarriesEveryRewardFromItToTheEnd() throws {
        // A maze's moves: each costs 0.01, and the last reaches the goal.
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 2.5, -0.01),
            T.call("4", from: 3, to: 4, prompt: [3], response: [4]),
            T.reward("5", at: 4.5, -0.01),
            T.call("6", from: 5, to: 6, prompt: [5], response: [6]),
            T.reward("7", at: 6.5, -0.01),
            T.reward("8", at: 7, 1.0, final: true),
            T.episode(),
        ])
        let returns = TripletAdapter(AdapterOptions(creditAssignment: .returnToGo, agent: "solver"))
        let rewards = try returns.adapt(spans, of: T.rollout).triplets.map(\.reward)
        #expect(rewards.count == 3)
        for (reward, expected) in zip(rewards, [0.97, 0.98, 0.99]) { #expect(abs(reward - expected) < 1e-12, "\(rewards)") }
        // Intermediate credit teaches each move only the reward right after it: the goal's 1 is the last move's.
        #expect(try adapter.adapt(spans, of: T.rollout).triplets.map(\.reward) == [-0.01, -0.01, 0.99])
        #expect(try ExperimentSpec.parse(yaml: "task: maze\ngrpo: {}\nadapter: { creditAssignment: return }\n")
            .adapter.creditAssignment == .returnToGo)
    }

    @Test func aCallNoRewardFollowedCarriesZero() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.call("3", from: 3, to: 4, prompt: [1, 2], response: [3]),
            T.reward("4", at: 5, 1.0, final: true),
            T.episode(),
        ])
        #expect(try adapter.adapt(spans, of: T.rollout).triplets.map(\.reward) == [0, 1])
    }

    @Test func theFinalRewardGoesToTheLastCallWhenEverItIsEmitted() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 2.5, 1.0, final: true),
            T.call("4", from: 3, to: 4, prompt: [1, 2], response: [3]),
            T.episode(),
        ])
        #expect(try adapter.adapt(spans, of: T.rollout).triplets.map(\.reward) == [0, 1])
    }

    @Test func intermediateRewardsWithoutAFinalOneAreEnough() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 2.5, 0.25),
            T.call("4", from: 3, to: 4, prompt: [1, 2], response: [3]),
            T.episode(),
        ])
        let adapted = try adapter.adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.reward) == [0.25, 0])
        #expect(adapted.finalReward == nil)
    }

    @Test func onlyRewardsOfTheChosenNameCount() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 2.5, 0.25, name: "progress"),
            T.reward("4", at: 2.6, 0.5, name: "format"),
            T.call("5", from: 3, to: 4, prompt: [1, 2], response: [3]),
            T.reward("6", at: 4.5, 2, name: "progress"),
            T.reward("7", at: 5, 1, final: true),
            T.episode(),
        ])
        let named = TripletAdapter(AdapterOptions(creditAssignment: .intermediate, rewardName: "progress"))
        // The last "progress" reward, none being marked final, is the final one.
        #expect(try named.adapt(spans, of: T.rollout).triplets.map(\.reward) == [0.25, 2])
        // Without a name: every intermediate reward, and the final one.
        #expect(try adapter.adapt(spans, of: T.rollout).triplets.map(\.reward) == [0.75, 3])
    }

    @Test func aRewardAfterAFailedCallGoesToTheCallBeforeIt() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.failedCall("3", from: 3, to: 4, prompt: [1, 2]),
            T.reward("4", at: 4.5, 0.5),
            T.reward("5", at: 5, 1, final: true),
            T.episode(),
        ])
        let adapted = try adapter.adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.reward) == [1.5])
        #expect(adapted.failedCallsSkipped == 1)
    }

    @Test func atTheSameInstantTheStoresOrderDecides() throws {
        // The reward is stamped with the call's end time; the call arrived first, so it finished first.
        let call = T.call("2", from: 1, to: 2, prompt: [1], response: [2])
        let reward = T.reward("3", at: 2, 0.5)
        let last = T.call("4", from: 3, to: 4, prompt: [1, 2], response: [3])
        let callFirst = try adapter.adapt(T.stored([call, reward, last, T.episode()]), of: T.rollout)
        #expect(callFirst.triplets.map(\.reward) == [0.5, 0])
        let rewardFirst = try adapter.adapt(T.stored([reward, call, last, T.episode()]), of: T.rollout)
        #expect(rewardFirst.triplets.map(\.reward) == [0, 0])
        #expect(rewardFirst.uncreditedRewards == 1)
    }

    @Test func noRewardAtAllIsUnusableNotZero() {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.call("3", from: 3, to: 4, prompt: [1, 2], response: [3]),
            T.episode(),
        ])
        let error = #expect(throws: UnusableRollout.self) { try adapter.adapt(spans, of: T.rollout) }
        #expect(error?.reason == .noReward(name: nil))
    }
}
