/// One maze: a grid of walls and open cells with a start and a goal, and a step limit.
///
/// Its JSON is e.g. `{"rows": ["S..#", ".#..", "...G"], "maxSteps": 12}`. ``MazeTask`` generates them from a
/// seed; any maze whose goal can be reached within `maxSteps` moves is a valid input.
public struct Maze: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The rows, top to bottom, all of one length: `#` a wall, `.` open, `S` the start, `G` the goal (one
    /// each). Cells outside the grid are walls.
    public var rows: [String]
    /// How many moves the agent may make before the episode ends unsolved.
    public var maxSteps: Int

    public init(rows: [String], maxSteps: Int) {
        self.rows = rows
        self.maxSteps = maxSteps
    }

    public var description: String { rows.joined(separator: "/") + " (\(maxSteps) steps)" }
}

/// A move: one cell north (up), east (right), south (down) or west (left).
enum Direction: String, CaseIterable, Sendable {
    case north = "N"
    case east = "E"
    case south = "S"
    case west = "W"

    var offset: (row: Int, column: Int) {
        switch self {
        case .north: (-1, 0)
        case .east: (0, 1)
        case .south: (1, 0)
        case .west: (0, -1)
        }
    }
}

/// A cell of a maze.
struct Position: Hashable, Sendable {
    var row: Int
    var column: Int

    func moved(_ direction: Direction) -> Position {
        Position(row: row + direction.offset.row, column: column + direction.offset.column)
    }
}

/// A validated maze, ready to play: its walls, start and goal.
struct MazeGrid: Sendable {
    let width: Int
    let height: Int
    /// Row by row: whether each cell is a wall.
    private let walls: [Bool]
    let start: Position
    let goal: Position

    /// A grid as given, unchecked.
    init(width: Int, height: Int, walls: [Bool], start: Position, goal: Position) {
        self.width = width
        self.height = height
        self.walls = walls
        self.start = start
        self.goal = goal
    }

    /// Parses and checks `maze`.
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` naming what is wrong: no rows, rows of different
    ///   lengths, an unknown cell, not exactly one start and one goal, a goal the start cannot reach, or a
    ///   step limit shorter than the way there.
    init(_ maze: Maze) throws(TaskError) {
        func invalid(_ reason: String) -> TaskError { .invalidInput(task: MazeTask.name, reason: "maze: \(reason)") }
        guard let first = maze.rows.first, !first.isEmpty else { throw invalid("it has no cells") }
        width = first.count
        height = maze.rows.count
        var walls: [Bool] = []
        var starts: [Position] = []
        var goals: [Position] = []
        for (row, line) in maze.rows.enumerated() {
            guard line.count == width else {
                throw invalid("row \(row) has \(line.count) cells but row 0 has \(width); rows must be of one length")
            }
            for (column, cell) in line.enumerated() {
                switch cell {
                case "#": walls.append(true)
                case ".": walls.append(false)
                case "S":
                    walls.append(false)
                    starts.append(Position(row: row, column: column))
                case "G":
                    walls.append(false)
                    goals.append(Position(row: row, column: column))
                default:
                    throw invalid("row \(row) has '\(cell)' at column \(column); cells are '#', '.', 'S' or 'G'")
                }
            }
        }
        guard starts.count == 1 else { throw invalid("it has \(starts.count) starts ('S'); it needs exactly one") }
        guard goals.count == 1 else { throw invalid("it has \(goals.count) goals ('G'); it needs exactly one") }
        self.walls = walls
        start = starts[0]
        goal = goals[0]
        guard let distance = distances(to: goal)[start] else {
            throw invalid("the goal cannot be reached from the start")
        }
        guard maze.maxSteps >= distance else {
            throw invalid("maxSteps is \(maze.maxSteps) but the goal is \(distance) moves from the start")
        }
    }

    /// Whether `position` is an open cell inside the grid.
    func isOpen(_ position: Position) -> Bool {
        (0..<height).contains(position.row) && (0..<width).contains(position.column)
            && !walls[position.row * width + position.column]
    }

    /// The fewest moves from every cell that can reach `target` to it (breadth-first search).
    func distances(to target: Position) -> [Position: Int] {
        var distances = [target: 0]
        var frontier = [target]
        while !frontier.isEmpty {
            var next: [Position] = []
            for position in frontier {
                for direction in Direction.allCases {
                    let neighbour = position.moved(direction)
                    if isOpen(neighbour), distances[neighbour] == nil {
                        distances[neighbour] = distances[position]! + 1
                        next.append(neighbour)
                    }
                }
            }
            frontier = next
        }
        return distances
    }

    /// What the agent sees standing at `position` after standing on the `visited` cells: the rows (`#`
    /// walls, `.` open cells, `@` the agent, `G` the goal), each ending in a line end, then a line spelling
    /// out what the rows show around the agent: how many rows and columns away the goal is and which
    /// neighbouring cells are open, in lower case those it has stood on already, e.g. `goal 3S 2W open NsW`.
    /// The rows are the map to plan with; the last line spares a small model from locating itself in them
    /// before it can take any step, and is the episode's memory: a policy that reads only the view can
    /// still tell a way it has tried from a new one, and so get out of a dead end rather than go round in
    /// it. At most ``viewLength`` tokens long.
    func view(at position: Position, visited: Set<Position>) -> String {
        var text = ""
        text.reserveCapacity(viewLength)
        for row in 0..<height {
            for column in 0..<width {
                let cell = Position(row: row, column: column)
                text.append(cell == position ? "@" : cell == goal ? "G" : isOpen(cell) ? "." : "#")
            }
            text.append("\n")
        }
        let open = Direction.allCases.filter { isOpen(position.moved($0)) }
            .map { ($0, visited.contains(position.moved($0))) }
        return text
            + Self.surroundings(rows: goal.row - position.row, columns: goal.column - position.column, open: open)
    }

    /// A view's last line: the goal `rows` south (north when negative) and `columns` east (west when
    /// negative), and the `open` neighbours, lower case where `visited`, e.g. `goal 3S 2W open NsW`.
    private static func surroundings(rows: Int, columns: Int, open: [(direction: Direction, visited: Bool)]) -> String {
        "goal \(abs(rows))\(rows < 0 ? "N" : "S") \(abs(columns))\(columns < 0 ? "W" : "E") open "
            + open.map { $0.visited ? $0.direction.rawValue.lowercased() : $0.direction.rawValue }.joined() + "\n"
    }

    /// The most tokens a view of this grid takes.
    var viewLength: Int { Self.viewLength(width: width, height: height) }

    /// The most tokens a view of a `width` x `height` grid takes (one per character): the rows, and the
    /// last line with its longest distances and every neighbour open.
    static func viewLength(width: Int, height: Int) -> Int {
        (width + 1) * height
            + surroundings(rows: height - 1, columns: width - 1, open: Direction.allCases.map { ($0, false) }).count
    }
}
