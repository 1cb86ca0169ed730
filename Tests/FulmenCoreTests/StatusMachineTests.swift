import FulmenCore
import Testing

@Suite("Status machines")
struct StatusMachineTests {
    /// Every allowed attempt move, written out independently of the implementation.
    let attemptMoves: Set<[AttemptStatus]> = [
        [.preparing, .running], [.preparing, .succeeded], [.preparing, .failed], [.preparing, .unresponsive],
        [.preparing, .timedOut], [.running, .succeeded], [.running, .failed], [.running, .unresponsive],
        [.running, .timedOut],
    ]

    let rolloutMoves: Set<[RolloutStatus]> = [
        [.queuing, .preparing], [.queuing, .cancelled], [.requeuing, .preparing], [.requeuing, .cancelled],
        [.preparing, .running], [.preparing, .succeeded], [.preparing, .failed], [.preparing, .requeuing],
        [.preparing, .cancelled], [.running, .succeeded], [.running, .failed], [.running, .requeuing],
        [.running, .cancelled],
    ]

    @Test func everyAttemptTransitionIsAllowedOrRefusedAsSpecified() {
        for from in AttemptStatus.allCases {
            for to in AttemptStatus.allCases {
                if attemptMoves.contains([from, to]) {
                    #expect(throws: Never.self) { try from.transition(to: to) }
                } else {
                    let error = #expect(throws: StatusTransitionError.self) { try from.transition(to: to) }
                    #expect(error?.machine == "attempt" && error?.from == from.rawValue && error?.to == to.rawValue)
                }
            }
        }
    }

    @Test func everyRolloutTransitionIsAllowedOrRefusedAsSpecified() {
        for from in RolloutStatus.allCases {
            for to in RolloutStatus.allCases {
                if rolloutMoves.contains([from, to]) {
                    #expect(throws: Never.self) { try from.transition(to: to) }
                } else {
                    #expect(throws: StatusTransitionError.self) { try from.transition(to: to) }
                }
            }
        }
    }

    @Test func everyExperimentTransitionIsAllowedOrRefusedAsSpecified() {
        let moves: Set<[ExperimentStatus]> = [
            [.submitted, .running], [.submitted, .cancelled], [.running, .finished], [.running, .failed], [.running, .cancelled],
        ]
        for from in ExperimentStatus.allCases {
            for to in ExperimentStatus.allCases {
                if moves.contains([from, to]) {
                    #expect(throws: Never.self) { try from.transition(to: to) }
                } else {
                    let error = #expect(throws: StatusTransitionError.self) { try from.transition(to: to) }
                    #expect(error?.machine == "experiment")
                }
            }
        }
    }

    @Test func finalStatusesHaveNoWayOut() {
        for status in AttemptStatus.allCases where status.isFinal { #expect(status.allowedNext.isEmpty) }
        for status in RolloutStatus.allCases where status.isFinal { #expect(status.allowedNext.isEmpty) }
        for status in ExperimentStatus.allCases where status.isFinal { #expect(status.allowedNext.isEmpty) }
        #expect(RolloutStatus.allCases.filter(\.isClaimable) == [.queuing, .requeuing])
    }

    @Test func errorsNameBothEnds() {
        let error = #expect(throws: StatusTransitionError.self) { try RolloutStatus.succeeded.transition(to: .running) }
        #expect(error?.description == "illegal rollout transition from succeeded to running")
    }

    @Test func failuresAreRetriedOnlyAsThePolicySays() {
        let policy = RetryPolicy(maxAttempts: 2, retryOn: [.unresponsive])
        #expect(RolloutStatus.derived(fromLatestAttempt: .unresponsive, attemptsMade: 1, policy: policy) == .requeuing)
        #expect(RolloutStatus.derived(fromLatestAttempt: .unresponsive, attemptsMade: 2, policy: policy) == .failed)
        #expect(RolloutStatus.derived(fromLatestAttempt: .failed, attemptsMade: 1, policy: policy) == .failed)
        #expect(RolloutStatus.derived(fromLatestAttempt: .timedOut, attemptsMade: 1, policy: policy) == .failed)
        let defaults = RetryPolicy()
        #expect(defaults.maxAttempts == 3)
        #expect(RolloutStatus.derived(fromLatestAttempt: .timedOut, attemptsMade: 2, policy: defaults) == .requeuing)
        #expect(RolloutStatus.derived(fromLatestAttempt: .failed, attemptsMade: 1, policy: defaults) == .failed)
        #expect(RolloutStatus.derived(fromLatestAttempt: .running, attemptsMade: 3, policy: defaults) == .running)
        #expect(RolloutStatus.derived(fromLatestAttempt: .succeeded, attemptsMade: 3, policy: defaults) == .succeeded)
    }

    /// Whatever an attempt does, the rollout status derived from it moves along allowed edges.
    @Test func derivedRolloutStatusesFollowTheRolloutMachine() throws {
        let policies = [RetryPolicy(), RetryPolicy(maxAttempts: 1, retryOn: []),
                        RetryPolicy(maxAttempts: 5, retryOn: Set(AttemptFailure.allCases))]
        for policy in policies {
            for attemptsMade in 1...policy.maxAttempts {
                let start: RolloutStatus = attemptsMade == 1 ? .queuing : .requeuing
                #expect(start.allowedNext.contains(.preparing))
                for move in attemptMoves {
                    let before = RolloutStatus.derived(fromLatestAttempt: move[0], attemptsMade: attemptsMade, policy: policy)
                    let after = RolloutStatus.derived(fromLatestAttempt: move[1], attemptsMade: attemptsMade, policy: policy)
                    #expect(before.allowedNext.contains(after), "\(move) under \(policy) gives \(before) → \(after)")
                }
            }
        }
    }
}
