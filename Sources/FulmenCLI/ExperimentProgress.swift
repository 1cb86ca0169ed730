import Foundation
import FulmenCore
import FulmenTrainer

/// Prints an experiment's progress as its trainer reports it: a bar of steps, the step's loss or reward and
/// success, the latest validation success and the rollouts per second.
struct ExperimentProgress {
    let store: any StoreReads
    let experiment: ExperimentID

    /// Prints progress until the experiment ends, then its final status; answers the experiment.
    func follow() async throws -> Experiment {
        var seen: Int?
        var lastLine = ContinuousClock.now - .seconds(10)
        var validation: Double?
        while true {
            let current = try await store.experiment(experiment)
            let total = Self.totalSteps(current)
            for point in try await store.metrics(experiment, afterStep: seen) {
                seen = point.step
                if let success = point[.validationSuccess] { validation = success }
                let important = point[.validationSuccess] != nil || point.step == total
                if important || ContinuousClock.now - lastLine >= .seconds(2) {
                    print(Self.line(point, total: total, validation: validation))
                    fflush(nil)
                    lastLine = .now
                }
            }
            if current.status.isFinal {
                print("\(current.id) \(current.status.rawValue): \(current.message ?? "")")
                return current
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Every step the experiment's spec asks for, or nil when the spec does not read.
    static func totalSteps(_ experiment: Experiment) -> Int? {
        guard let spec = try? ExperimentSpec.parse(yaml: String(decoding: experiment.spec, as: UTF8.self)) else { return nil }
        return spec.totalSteps
    }

    static func line(_ point: MetricPoint, total: Int?, validation: Double?) -> String {
        var parts: [String] = []
        if let total, total > 0 {
            let filled = min(20, point.step * 20 / total)
            parts.append("step \(point.step)/\(total) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: 20 - filled))]")
        } else {
            parts.append("step \(point.step)")
        }
        let v = point
        if let loss = v[.sftLoss] { parts.append(String(format: "SFT loss %.3f", loss)) }
        if let reward = v[.grpoReward] { parts.append(String(format: "reward %.2f", reward)) }
        if let success = v[.grpoSuccess] { parts.append(String(format: "success %.1f%%", success * 100)) }
        if v[.grpoSkipped] != nil { parts.append("no signal (skipped)") }
        if let best = v[.searchBest], let candidate = v[.searchBestCandidate] {
            parts.append(String(format: "search: best candidate %d at %.1f%%", Int(candidate) + 1, best * 100))
        }
        if let validation { parts.append(String(format: "validation %.1f%%", validation * 100)) }
        if let rate = v[.rolloutsPerSecond] { parts.append(String(format: "%.0f rollouts/s", rate)) }
        return parts.joined(separator: " · ")
    }

    /// An experiment's status, checkpoints and latest figures, for `fulmen status ID`.
    static func describe(_ experiment: Experiment, metrics: [MetricPoint]) -> String {
        var lines = [
            "\(experiment.id)  \(experiment.name)", "status: \(experiment.status.rawValue)\(experiment.message.map { " — \($0)" } ?? "")",
            "trainer: \(experiment.trainer ?? "none yet")", "checkpoints: \(experiment.checkpoints.map { "step \($0.step)" }.joined(separator: ", "))",
        ]
        let validation = metrics.last { $0[.validationSuccess] != nil }?[.validationSuccess]
        if let last = metrics.last { lines.append(line(last, total: totalSteps(experiment), validation: validation)) }
        return lines.joined(separator: "\n")
    }
}
