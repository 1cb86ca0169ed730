import FulmenCore
import FulmenTrainer
import Testing

@Suite("Whole-trajectory credit")
struct TrajectoryTests {
    typealias T = SpanTree
    let adapter = TripletAdapter(AdapterOptions(creditAssignment: .trajectory, agent: "solver"))

    /// Three solver turns with environment tokens between them, a critic's call between the second and third,
    /// the second turn inside a tool span.
    func threeTurns(thirdPrompt: [Int] = [1, 2, 3, 4, 5, 6, 7, 8, 9], versions: [Int?] = [7, 7, 7]) -> [StoredSpan] {
        T.stored([
            T.call("2", from: 1, to: 2, prompt: [1, 2, 3], response: [4, 5], version: versions[0]),
            T.call(
                "4", parent: "3", from: 3, to: 4, prompt: [1, 2, 3, 4, 5, 6, 7], response: [8], version: versions[1]),
            T.tool("3", from: 2.5, to: 4.5),
            T.call("5", agent: "critic", from: 5, to: 6, prompt: [50, 51], response: [52]),
            T.reward("6", at: 6.5, 0.2),
            T.call("7", from: 7, to: 8, prompt: thirdPrompt, response: [10, 11], version: versions[2]),
            T.reward("8", at: 9, 1, final: true),
            T.episode(),
        ])
    }

    @Test func theEpisodeBecomesOneSampleWithEnvironmentTokensMasked() throws {
        let adapted = try adapter.adapt(threeTurns(), of: T.rollout)
        let expected = Triplet(
            rollout: T.rollout, attempt: T.attempt, agent: "solver", prompt: [1, 2, 3],
            response: [4, 5, 6, 7, 8, 9, 10, 11],
            trainable: [true, true, false, false, true, false, true, true],
            logProbabilities: [-0.4, -0.5, 0, 0, -0.8, 0, -1.0, -1.1], reward: 1, weightsVersion: 7)
        #expect(adapted.triplets == [expected])
    }

    @Test func aPromptThatDoesNotExtendThePreviousTurnIsReportedByCall() {
        // The third prompt drops the model's token 8 (a re-tokenisation, say).
        let error = #expect(throws: UnusableRollout.self) {
            try adapter.adapt(threeTurns(thirdPrompt: [1, 2, 3, 4, 5, 6, 7, 9]), of: T.rollout)
        }
        #expect(error?.reason == .brokenPrefix(span: "7", previous: "4", position: 7))
        #expect(error?.description.contains("model call span 7 does not continue model call span 4") == true)
    }

    @Test func aPromptShorterThanThePreviousTurnBreaksItWhereItEnds() {
        let error = #expect(throws: UnusableRollout.self) {
            try adapter.adapt(threeTurns(thirdPrompt: [1, 2, 3, 4]), of: T.rollout)
        }
        #expect(error?.reason == .brokenPrefix(span: "7", previous: "4", position: 4))
    }

    @Test func theOldestWeightsVersionIsKept() throws {
        let adapted = try adapter.adapt(threeTurns(versions: [8, 7, nil]), of: T.rollout)
        #expect(adapted.triplets.first?.weightsVersion == 7)
    }

    @Test func oneCallIsItsOwnTrajectory() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1, 2], response: [3, 4]),
            T.reward("3", at: 3, 0.5, final: true),
            T.episode(),
        ])
        let triplet = try #require(try adapter.adapt(spans, of: T.rollout).triplets.first)
        #expect(triplet.prompt == [1, 2] && triplet.response == [3, 4] && triplet.trainable == [true, true])
        #expect(triplet.reward == 0.5)
    }

    @Test func everySubAgentCanShareOneTrajectory() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.call("3", agent: "critic", from: 3, to: 4, prompt: [1, 2, 3], response: [4]),
            T.reward("4", at: 5, 1, final: true),
            T.episode(),
        ])
        let all = TripletAdapter(AdapterOptions(creditAssignment: .trajectory))
        let triplet = try #require(try all.adapt(spans, of: T.rollout).triplets.first)
        #expect(triplet.agent == "solver+critic")
        #expect(triplet.response == [2, 3, 4] && triplet.trainable == [true, false, true])
    }

    @Test func aFailedTurnIsSkippedAndTheNextContinuesTheOneBefore() throws {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.failedCall("3", from: 3, to: 4, prompt: [1, 2, 3]),
            T.call("4", from: 5, to: 6, prompt: [1, 2, 3, 3], response: [4]),
            T.reward("5", at: 7, 1, final: true),
            T.episode(),
        ])
        let adapted = try adapter.adapt(spans, of: T.rollout)
        #expect(adapted.triplets.map(\.response) == [[2, 3, 3, 4]])
        #expect(adapted.failedCallsSkipped == 1)
    }

    @Test func noFinalRewardIsUnusable() {
        let spans = T.stored([
            T.call("2", from: 1, to: 2, prompt: [1], response: [2]),
            T.reward("3", at: 3, 0.5),
            T.episode(),
        ])
        let error = #expect(throws: UnusableRollout.self) { try adapter.adapt(spans, of: T.rollout) }
        #expect(error?.reason == .noFinalReward(name: nil))
    }
}
