/// The maze task's scripted expert: from the agent's position in the view it moves along a shortest way to
/// the goal, so it reaches the goal in the fewest moves there are.
public struct MazeExpert: ScriptedPolicy, Sendable {
    private let grid: MazeGrid
    private let distances: [Position: Int]

    /// The expert for `maze`.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the maze is not a valid input.
    public init(maze: Maze) throws(TaskError) {
        grid = try MazeGrid(maze)
        distances = grid.distances(to: grid.goal)
    }

    public func respond(to prompt: String) -> String {
        guard let position = Self.agentPosition(in: prompt), let distance = distances[position] else { return "N\n" }
        let best = Direction.allCases.first { distances[position.moved($0)] == distance - 1 }
        return (best ?? .north).rawValue + "\n"
    }

    /// Where `@` is in a view.
    static func agentPosition(in view: String) -> Position? {
        for (row, line) in view.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let index = line.firstIndex(of: "@") {
                return Position(row: row, column: line.distance(from: line.startIndex, to: index))
            }
        }
        return nil
    }
}
