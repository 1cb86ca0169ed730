import Foundation
import FulmenCore
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// The calc task played by examples/python-calc/agent.py, an agent on the official `openai` package, through
/// a runner pool's OpenAI-compatible endpoint, with store, runner and trainer as separate processes.
@Suite("System: a Python agent on the openai package")
struct PythonAgentTests {
    static let agent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/python-calc/agent.py")

    @Test func thePythonAgentLearnsCalcThroughTheEndpoint() async throws {
        let processes = try await SystemProcesses(
            runner: ["--concurrency", "8", "--tasks", "calc", "--", "python3", Self.agent.path])
        let store = processes.store
        // Validation before anything and at the end, both played by the Python agent; in between a warm start
        // on the task's demonstrations and two GRPO steps on the agent's own episodes.
        let spec = """
            task: calc
            split: { train: 500, validation: 32 }
            sft: { steps: 200, batchSize: 32, learningRate: 0.001 }
            grpo: { steps: 2, problemsPerStep: 4, groupSize: 4 }
            evaluation: { every: 1000, problems: 32 }
            """
        let experiment = try await expectValidationRises(spec, name: "python", on: store)
        for point in try await store.metrics(experiment, afterStep: 200) {
            #expect(point[.grpoRollouts] == 16 && point[.grpoFailedRollouts] == 0, "\(point.values)")
        }
        // The agent's episodes were recorded as a Fulmen agent's are: its two model calls with their token
        // ids, under the attempt, and the process that made them.
        let rollouts = try await store.rollouts(RolloutQuery(statuses: [.succeeded], experiment: experiment, mode: .train, page: PageRequest(limit: 1)))
        let rollout = try #require(rollouts.items.first)
        let spans = try await store.allSpans(of: rollout.id)
        let calls = spans.filter { $0.span.name == SpanConvention.modelCall }
        #expect(calls.count == 2 && spans.contains { $0.span.name == SpanConvention.agentProcess })
        if case .ints(let prompt) = calls.first?.span.attributes[SpanConvention.Attribute.promptTokens] {
            #expect(String(decoding: prompt.map(UInt8.init), as: UTF8.self).hasPrefix("Q:"))
        } else {
            Issue.record("the agent's first call recorded no prompt tokens")
        }
        await processes.stop()
    }
}
