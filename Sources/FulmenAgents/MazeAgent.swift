public import FulmenRunner
public import FulmenTasks

/// Plays maze with the policy model: one model call per move, each prompt the current view of the maze
/// (not a transcript), each move a tool span, a `step` reward of -0.01 per move, and the final reward (1 at
/// the goal, 0 when the steps run out) returned. See ``MazeEpisode``.
public struct MazeAgent: Agent {
    /// The policy model's context: a maze whose view and move do not fit it is refused.
    public let contextLength: Int

    public var task: String { MazeTask.name }

    public init(contextLength: Int = 128) {
        self.contextLength = contextLength
    }

    public func rollout(_ input: Maze, context: RolloutContext) async throws -> Double? {
        var host = try await ModelHost(context: context)
        return try await MazeEpisode.play(input, contextLength: contextLength, host: &host)
    }
}
