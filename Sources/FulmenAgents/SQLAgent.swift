public import FulmenRunner
public import FulmenTasks

/// Plays sql with the policy model: it writes SQL, SQLite runs it (a tool span each), it answers; the
/// reward (1 for the exact answer) is returned as final. See ``SQLEpisode`` for the turns.
public struct SQLAgent: Agent {
    /// How many queries an episode may run before it must answer.
    public let maxQueries: Int
    /// The policy model's context: no model call's prompt plus token limit exceeds it.
    public let contextLength: Int

    public var task: String { SQLTask.name }

    public init(maxQueries: Int = 2, contextLength: Int = 128) {
        self.maxQueries = maxQueries
        self.contextLength = contextLength
    }

    public func rollout(_ input: SQLQuestion, context: RolloutContext) async throws -> Double? {
        var host = try await ModelHost(context: context)
        return try await SQLEpisode.play(input, maxQueries: maxQueries, contextLength: contextLength, host: &host)
    }
}
