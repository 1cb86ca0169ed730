import Foundation
import FulmenCore

/// Hand-built episodes: spans as the runner records them, at times given in seconds from a fixed origin.
enum SpanTree {
    static let rollout: RolloutID = "r1"
    static let attempt: AttemptID = "a1"
    static let origin = Date(timeIntervalSinceReferenceDate: 800_000_000)

    static func time(_ seconds: Double) -> Date { origin.addingTimeInterval(seconds) }

    /// The episode's root span, id "1".
    static func episode(end: Double = 100) -> Span {
        Span(id: "1", name: SpanConvention.episode, start: time(0), end: time(end))
    }

    /// The log-probabilities `call` records unless told otherwise: one per response token, told apart by value.
    static func logProbabilities(for response: [Int]) -> [Float] {
        response.map { -Float($0) / 10 }
    }

    /// A model call. `logProbabilities` defaults to ``logProbabilities(for:)``; pass `nil` values through
    /// `omit` to leave attributes out.
    static func call(
        _ id: String, parent: String = "1", agent: String = "solver", from start: Double, to end: Double,
        prompt: [Int], response: [Int], logProbabilities: [Float]? = nil, version: Int? = 7,
        omit: Set<String> = []
    ) -> Span {
        typealias Key = SpanConvention.Attribute
        var attributes: [String: SpanValue] = [
            Key.agent: .string(agent), Key.promptTokens: .ints(prompt), Key.responseTokens: .ints(response),
            Key.logProbabilities: .floats(logProbabilities ?? Self.logProbabilities(for: response)),
        ]
        if let version { attributes[Key.weightsVersion] = .int(version) }
        for key in omit { attributes[key] = nil }
        return Span(
            id: id, parent: parent, name: SpanConvention.modelCall, start: time(start), end: time(end),
            attributes: attributes)
    }

    /// A model call that failed: the runner records its prompt and error, and no response.
    static func failedCall(
        _ id: String, parent: String = "1", agent: String = "solver", from start: Double, to end: Double,
        prompt: [Int]
    ) -> Span {
        Span(
            id: id, parent: parent, name: SpanConvention.modelCall, start: time(start), end: time(end),
            attributes: [
                SpanConvention.Attribute.agent: .string(agent), SpanConvention.Attribute.promptTokens: .ints(prompt),
            ], error: "policy model: prompt too long")
    }

    static func tool(_ id: String, parent: String = "1", from start: Double, to end: Double) -> Span {
        Span(
            id: id, parent: parent, name: SpanConvention.toolCall, start: time(start), end: time(end),
            attributes: [SpanConvention.Attribute.tool: .string("calculator")])
    }

    /// A reward, an instant.
    static func reward(
        _ id: String, parent: String = "1", at moment: Double, _ value: Double, name: String = "reward",
        final: Bool = false
    ) -> Span {
        Span(
            id: id, parent: parent, name: SpanConvention.reward, start: time(moment), end: time(moment),
            attributes: [
                SpanConvention.Attribute.rewardValue: .double(value),
                SpanConvention.Attribute.rewardName: .string(name),
                SpanConvention.Attribute.rewardFinal: .bool(final),
            ])
    }

    /// The spans as the store returns them: numbered 1, 2, … in the order given (their arrival order).
    static func stored(
        _ spans: [Span], rollout: RolloutID = rollout, attempt: AttemptID = attempt
    ) -> [StoredSpan] {
        spans.enumerated().map {
            StoredSpan(rollout: rollout, attempt: attempt, sequence: $0.offset + 1, span: $0.element)
        }
    }
}
