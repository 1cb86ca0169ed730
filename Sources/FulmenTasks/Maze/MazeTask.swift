import FulmenModel
public import Tokenizers

/// Grid navigation over many turns with text observations: the agent sees the maze and where it stands,
/// and moves one cell a turn until it reaches the goal or its steps run out (see ``MazeEpisode``), so
/// credit for the final reward must be assigned over many model calls.
///
/// Generated mazes are ``width`` x ``height`` cells, each a wall with probability 0.3, with the goal at
/// least (width + height) / 2 moves from the start along open cells (so every maze can be solved), and a
/// step limit of ``stepAllowance`` times that shortest way.
public struct MazeTask: BundledTask {
    /// The task's name, `maze`.
    public static let name = "maze"
    /// The reward of every move, emitted as an intermediate reward named `step`.
    public static let stepPenalty = MazeEpisode.stepPenalty

    /// Cells per row of generated mazes (3...16).
    public var width: Int
    /// Rows of generated mazes (3...16).
    public var height: Int
    /// The step limit as a multiple of the shortest way to the goal (at least 1).
    public var stepAllowance: Int
    /// The policy model's context length: ``contextLength`` of the mazes must fit it.
    public var modelContextLength: Int

    public init(width: Int = 6, height: Int = 6, stepAllowance: Int = 2, modelContextLength: Int = 128) {
        self.width = width
        self.height = height
        self.stepAllowance = stepAllowance
        self.modelContextLength = modelContextLength
    }

    public var name: String { Self.name }
    /// A view of the maze at its longest and a move (65 tokens for 6 x 6).
    public var contextLength: Int { MazeGrid.viewLength(width: width, height: height) + MazeEpisode.moveMaxTokens }

    /// Distinct mazes; training and validation share none.
    /// - Throws: ``TaskError/invalidConfiguration(task:reason:)`` when the size or step allowance is out of
    ///   range, or the maze's view does not fit ``modelContextLength``.
    public func split(seed: UInt64, trainCount: Int, validationCount: Int) throws(TaskError) -> TaskSplit<Maze> {
        for (side, value) in [("width", width), ("height", height)] where !(3...16).contains(value) {
            throw .invalidConfiguration(task: name, reason: "\(side) is \(value); it must be within 3...16")
        }
        guard stepAllowance >= 1 else {
            throw .invalidConfiguration(task: name, reason: "stepAllowance is \(stepAllowance); it must be at least 1")
        }
        guard contextLength <= modelContextLength else {
            throw .invalidConfiguration(
                task: name,
                reason: "a \(width)x\(height) maze needs \(contextLength) tokens of context, more than "
                    + "modelContextLength \(modelContextLength)")
        }
        return try TaskSplit.draw(
            task: name, seed: seed, trainCount: trainCount, validationCount: validationCount, key: { $0.rows }
        ) { random in generate(&random) }
    }

    /// A solvable maze: random walls, a goal on an open cell, and a start among the cells at least
    /// (width + height) / 2 moves from it.
    private func generate(_ random: inout SeededRandom) -> Maze {
        let minimumDistance = (width + height) / 2
        while true {
            let walls = (0..<(width * height)).map { _ in Double.random(in: 0..<1, using: &random) < 0.3 }
            let open = walls.indices.filter { !walls[$0] }.map { Position(row: $0 / width, column: $0 % width) }
            guard let goal = open.randomElement(using: &random) else { continue }
            let distances = MazeGrid(width: width, height: height, walls: walls, start: goal, goal: goal)
                .distances(to: goal)
            let starts = open.filter { distances[$0, default: 0] >= minimumDistance }
            guard let start = starts.randomElement(using: &random) else { continue }
            let rows = (0..<height).map { row in
                String(
                    (0..<width).map { column -> Character in
                        let cell = Position(row: row, column: column)
                        return cell == start ? "S" : cell == goal ? "G" : walls[row * width + column] ? "#" : "."
                    })
            }
            return Maze(rows: rows, maxSteps: stepAllowance * distances[start]!)
        }
    }

    public func expert(for input: Maze) throws(TaskError) -> MazeExpert {
        try MazeExpert(maze: input)
    }

    /// A demonstrator that heads straight for the goal and wanders where walls are in its way (see
    /// ``MazeImperfectDemonstrator``).
    /// - Throws: ``TaskError/invalidInput(task:reason:)`` when the maze is not a valid input.
    public func imperfectDemonstrator(for input: Maze) throws(TaskError) -> MazeImperfectDemonstrator {
        try MazeImperfectDemonstrator(maze: input)
    }

    public func play<Policy: ScriptedPolicy>(
        _ input: Maze, with policy: Policy, tokenizer: any TextTokenizer
    ) async throws -> ScriptedEpisode {
        var host = ScriptedHost(policy: policy, tokenizer: tokenizer)
        let reward = try await MazeEpisode.play(input, contextLength: modelContextLength, host: &host)
        return host.episode(reward: reward)
    }

    /// Solved when the agent reached the goal (final reward 1; the step penalties are separate).
    public func isSuccess(reward: Double) -> Bool { reward >= 1 }
}
