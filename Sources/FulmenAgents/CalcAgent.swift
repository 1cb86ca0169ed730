public import FulmenRunner
public import FulmenTasks

/// Plays calc with the policy model: two model calls (the calculator call, then the answer), the
/// calculator as a tool span between them, and the reward (1 for the exact answer) returned as final.
/// Model calls stop at "\n" and are limited to the right call line's length plus 2 tokens (12 for
/// 3-digit operands); a whole episode on 3-digit operands needs 57 tokens of context.
public struct CalcAgent: Agent {
    public var task: String { CalcTask.name }

    public init() {}

    public func rollout(_ input: CalcProblem, context: RolloutContext) async throws -> Double? {
        var host = try await ModelHost(context: context)
        return try await CalcEpisode.play(input, host: &host)
    }
}
