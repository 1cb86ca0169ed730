import FulmenCore
import FulmenTrainer
import Testing

@Suite("Trainer: group-relative advantages")
struct GroupAdvantagesTests {
    static func triplet(_ rollout: RolloutID, _ reward: Double) -> Triplet {
        Triplet(
            rollout: rollout, attempt: AttemptID("\(rollout)/attempt-1"), agent: "solver", prompt: [1, 2],
            response: [3], trainable: [true], logProbabilities: [-1], reward: reward, weightsVersion: 1)
    }

    @Test func eachSampleIsComparedWithItsGroup() {
        let triplets = [
            Self.triplet("a-0", 1), Self.triplet("a-1", 0), Self.triplet("a-2", 0), Self.triplet("a-3", 1),
            Self.triplet("b-0", 0.5), Self.triplet("b-1", 1.5),
        ]
        let result = GroupAdvantages.compute(triplets) { String($0.rollout.rawValue.prefix(1)) }
        #expect(result.advantages == [1, -1, -1, 1, -1, 1])
        #expect(result.groups == 2 && result.uniformGroups == 0)

        let centred = GroupAdvantages.compute(triplets, settings: .init(normalizeByStandardDeviation: false)) {
            String($0.rollout.rawValue.prefix(1))
        }
        #expect(centred.advantages == [0.5, -0.5, -0.5, 0.5, -0.5, 0.5])
    }

    @Test func aGroupWhoseRewardsAreAllEqualGivesNoSignalAndIsCounted() {
        let triplets = [Self.triplet("a-0", 1), Self.triplet("a-1", 1), Self.triplet("b-0", 0), Self.triplet("b-1", 1)]
        let result = GroupAdvantages.compute(triplets) { String($0.rollout.rawValue.prefix(1)) }
        #expect(result.advantages == [0, 0, -1, 1])
        #expect(result.uniformGroups == 1)
    }

    @Test func aRolloutWithSeveralCallsWeighsAsMuchAsOneWithOne() {
        // Rollout a-0 made three model calls, a-1 one: the group's mean is 0.5, not 0.75.
        let triplets = [Self.triplet("a-0", 1), Self.triplet("a-0", 1), Self.triplet("a-0", 1), Self.triplet("a-1", 0)]
        let result = GroupAdvantages.compute(triplets, settings: .init(normalizeByStandardDeviation: false)) { _ in "a" }
        #expect(result.advantages == [0.5, 0.5, 0.5, -0.5])
    }
}
