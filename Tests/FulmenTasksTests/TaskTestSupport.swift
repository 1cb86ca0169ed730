import FulmenCore
import FulmenModel
import FulmenRunner
import FulmenTasks
import Foundation
import Testing

/// The checkpoint of a randomly initialised `tiny` policy model, as the runner benchmark uses.
func randomTinyPolicy() throws -> [UInt8] {
    try GPT(config: .tiny, seed: 1).checkpoint()
}

/// The fraction of `inputs` an episode played by `policy(input, index)` solves.
func successRate<Task: BundledTask, Policy: ScriptedPolicy>(
    _ task: Task, _ inputs: [Task.Input], policy: (Task.Input, Int) throws -> Policy
) async throws -> Double {
    var solved = 0
    for (index, input) in inputs.enumerated() {
        let episode = try await task.play(input, with: policy(input, index))
        if task.isSuccess(reward: episode.reward) { solved += 1 }
    }
    return Double(solved) / Double(inputs.count)
}

/// A policy that writes the given lines in order, then empty lines.
struct ScriptedLines: ScriptedPolicy {
    var lines: [String]

    init(_ lines: String...) {
        self.lines = lines
    }

    mutating func respond(to prompt: String) -> String {
        lines.isEmpty ? "\n" : lines.removeFirst()
    }
}

/// A model call as a span recorded it.
struct RecordedCall {
    var prompt: [Int32]
    var response: [Int32]
    var maxTokens: Int
}

extension EpisodeSandbox.Outcome {
    /// The episode's model calls, in the order they were made.
    var modelCalls: [RecordedCall] {
        spans.filter { $0.name == SpanConvention.modelCall }.compactMap { span in
            typealias Key = SpanConvention.Attribute
            guard case .ints(let prompt) = span.attributes[Key.promptTokens],
                case .ints(let response) = span.attributes[Key.responseTokens],
                case .int(let maxTokens) = span.attributes[Key.maxTokens]
            else { return nil }
            return RecordedCall(
                prompt: prompt.map(Int32.init), response: response.map(Int32.init), maxTokens: maxTokens)
        }
    }

    /// The episode's tool calls: name, input and output, in the order they were made.
    var toolCalls: [(name: String, input: String, output: String)] {
        spans.filter { $0.name == SpanConvention.toolCall }.compactMap { span in
            typealias Key = SpanConvention.Attribute
            guard case .string(let name) = span.attributes[Key.tool],
                case .string(let input) = span.attributes[Key.toolInput],
                case .string(let output) = span.attributes[Key.toolOutput]
            else { return nil }
            return (name, input, output)
        }
    }

    /// The rewards the episode emitted that are not final: name and value.
    var intermediateRewards: [(name: String, value: Double)] {
        spans.compactMap { span in
            typealias Key = SpanConvention.Attribute
            guard span.name == SpanConvention.reward, case .bool(false) = span.attributes[Key.rewardFinal],
                case .string(let name) = span.attributes[Key.rewardName],
                case .double(let value) = span.attributes[Key.rewardValue]
            else { return nil }
            return (name, value)
        }
    }
}

/// Checks every model call fits `contextLength` and, when `prefix` is set, that each call's prompt is the
/// previous prompt, its response and some observation (the growing transcript whole-trajectory training
/// relies on).
func expectWellFormedCalls(_ calls: [RecordedCall], contextLength: Int, prefix: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
    for call in calls {
        #expect(call.prompt.count + call.maxTokens <= contextLength, sourceLocation: sourceLocation)
        #expect(call.response.count <= call.maxTokens, sourceLocation: sourceLocation)
    }
    guard prefix else { return }
    for (previous, next) in zip(calls, calls.dropFirst()) {
        #expect(next.prompt.starts(with: previous.prompt + previous.response), sourceLocation: sourceLocation)
        #expect(next.prompt.count > previous.prompt.count + previous.response.count, sourceLocation: sourceLocation)
    }
}
