import FulmenCore
import ZMQActorSystem

/// Every call of the store's protocols: what the role check names, and decides by the protocol
/// that declares the call.
enum StoreCall: String, CaseIterable, CustomStringConvertible {
    // RunnerStore
    case register, workerHeartbeat, unregister, dequeue, markRunning, heartbeat, addSpans, complete, resources, resourceContent
    // TrainerStore
    case claimExperiment, updateExperiment, reportMetrics, addCheckpoint, enqueue, completions, publish
    // ControlStore
    case submit, cancelExperiment, cancel
    // StoreReads
    case rollout, rollouts, spans, experiment, experiments, metrics, workers, statistics

    /// The roles whose protocols declare the call (`admin` may make every call besides).
    var roles: Set<StoreRole> {
        switch self {
        case .register, .workerHeartbeat, .unregister, .dequeue, .markRunning, .heartbeat, .addSpans, .complete, .resources,
             .resourceContent:
            [.runner]
        case .claimExperiment, .updateExperiment, .reportMetrics, .addCheckpoint, .enqueue, .completions, .publish:
            [.trainer]
        case .submit, .cancelExperiment, .cancel:
            [.control]
        case .rollout, .rollouts, .spans, .experiment, .experiments, .metrics, .workers, .statistics:
            [.trainer, .control]
        }
    }

    var description: String { rawValue }
}

extension StoreActor {
    /// Refuses `call` with `StoreError.Code.permissionDenied` unless the caller's role may make it.
    ///
    /// The role is the `role=` attribute of the caller's key on the store's allow-list, as the
    /// actor system read it when the call arrived (`ZMQActorSystem.currentCallerKey`). A key with
    /// no role, an unknown one, or no line any more may make no call. Calls with no key (a store
    /// without CurveZMQ, where callers cannot be told apart, or a call made in the store's own
    /// process) may make every call.
    func admit(_ call: StoreCall) throws(StoreError) {
        guard let caller = ZMQActorSystem.currentCallerKey else { return }
        let refusal: String
        if let entry = caller.entry {
            let who = "key \(entry.name.isEmpty ? caller.key.description : entry.name)"
            if let written = entry.attributes[StoreRole.attribute] {
                if let role = StoreRole(rawValue: written) {
                    if role == .admin || call.roles.contains(role) { return }
                    refusal = "\(call) is not allowed for role \(role) (\(who))"
                } else {
                    refusal = "\(call) is not allowed for role '\(written)', which is none of \(Self.roleList) (\(who))"
                }
            } else {
                refusal = "\(call) is not allowed for a key without a role (\(who)): give it one on its allow-list line, e.g. role=runner"
            }
        } else {
            refusal = "\(call) is not allowed for key \(caller.key), which has no line on the store's allow-list"
        }
        logger.notice(
            "refused a call outside the caller's role",
            metadata: ["refusal": "\(refusal)", "node": "\(ZMQActorSystem.currentCaller.map(\.description) ?? "?")"])
        throw StoreError(.permissionDenied, refusal)
    }

    private static let roleList = StoreRole.allCases.map(\.rawValue).joined(separator: ", ")
}
