import Foundation
import FulmenCore
import FulmenTrainer
import Testing

@Suite("Batches and options")
struct AdapterBatchTests {
    typealias T = SpanTree

    func rollout(_ id: RolloutID, reward: Double?, logProbabilities: [Float]? = nil, failed: Bool = false)
        -> (rollout: RolloutID, spans: [StoredSpan])
    {
        var spans = [T.call("2", from: 1, to: 2, prompt: [1], response: [2], logProbabilities: logProbabilities)]
        if failed { spans.append(T.failedCall("3", from: 3, to: 4, prompt: [1, 2])) }
        if let reward { spans.append(T.reward("4", at: 5, reward, final: true)) }
        spans.append(T.episode())
        return (id, T.stored(spans, rollout: id, attempt: AttemptID("\(id)-a")))
    }

    @Test func aBatchKeepsTheSamplesAndSaysWhatWasLost() {
        let batch = TripletAdapter().adapt([
            rollout("r1", reward: 1),
            rollout("r2", reward: nil),
            rollout("r3", reward: 0, failed: true),
            rollout("r4", reward: nil),
            rollout("r5", reward: 1, logProbabilities: []),
        ])
        #expect(batch.usable.map(\.rollout) == ["r1", "r3"])
        #expect(batch.triplets.map(\.rollout) == ["r1", "r3"])
        #expect(batch.triplets.map(\.reward) == [1, 0])
        #expect(batch.unusable.map(\.rollout) == ["r2", "r4", "r5"])
        #expect(batch.unusable.map(\.attempt) == ["r2-a", "r4-a", "r5-a"])
        #expect(batch.rolloutCount == 5)
        #expect(batch.unusableSummary == "3 of 5 rollouts unusable: 2 no final reward, 1 log-prob count mismatch")
        #expect(
            batch.description
                == "2 triplets; 3 of 5 rollouts unusable: 2 no final reward, 1 log-prob count mismatch; "
                + "1 failed model call skipped")
        #expect(
            batch.unusable.last?.description
                == "rollout r5 (attempt r5-a) is unusable: "
                + "model call span 2 has 1 response token but 0 log-probabilities")
    }

    @Test func aCleanBatchSaysSo() {
        let batch = TripletAdapter().adapt([rollout("r1", reward: 1), rollout("r2", reward: 0)])
        #expect(batch.unusable.isEmpty)
        #expect(batch.unusableSummary == "all 2 rollouts usable")
        #expect(batch.description == "2 triplets; all 2 rollouts usable")
    }

    @Test func creditAssignmentNamesAreStable() throws {
        #expect(CreditAssignment.allCases.map(\.rawValue) == ["final", "intermediate", "return", "trajectory"])
        let json = Data(#"{"creditAssignment":"trajectory","agent":"solver","rewardName":"accuracy"}"#.utf8)
        let options = try JSONDecoder().decode(AdapterOptions.self, from: json)
        #expect(options == AdapterOptions(creditAssignment: .trajectory, agent: "solver", rewardName: "accuracy"))
        #expect(try JSONDecoder().decode(AdapterOptions.self, from: Data("{}".utf8)) == AdapterOptions())
        #expect(AdapterOptions().creditAssignment == .finalReward)
        let encoded = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(AdapterOptions.self, from: encoded) == options)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AdapterOptions.self, from: Data(#"{"creditAssignment":"finalReward"}"#.utf8))
        }
    }
}
