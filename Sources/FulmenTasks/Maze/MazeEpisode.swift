import FulmenModel
import Foundation

/// One maze episode, as the agent and the scripted policies play it.
///
/// Each turn's prompt is only the current view of the maze (``MazeGrid/view(at:visited:)``: the grid with
/// the agent `@` and the goal `G`, then the goal's distance and the open neighbours spelled out, those
/// already stood on in lower case), not a growing transcript: an episode has up to `maxSteps` turns, far
/// more than one context holds, and the view is all the state there is. The model writes a move, `N`,
/// `E`, `S` or `W` and a line end (a 2-token limit). Each move is a tool call named `move` whose output
/// says what happened: `moved`, `wall` (the agent stays), `invalid` (not a move; it stays) or `goal`.
/// Every move costs ``stepPenalty``, emitted as an intermediate reward named `step`; the final reward is 1
/// when the agent reaches the goal and 0 when its steps run out.
package enum MazeEpisode {
    static let stepPenalty = 0.01
    static let moveMaxTokens = 2

    package static func play<Host: TurnHost>(_ maze: Maze, contextLength: Int, host: inout Host) async throws -> Double {
        let grid = try MazeGrid(maze)
        guard grid.viewLength + moveMaxTokens <= contextLength else {
            throw TaskError.invalidInput(
                task: MazeTask.name,
                reason: "a \(grid.width)x\(grid.height) maze needs \(grid.viewLength + moveMaxTokens) tokens of "
                    + "context, more than the agent's \(contextLength)")
        }
        var position = grid.start
        var visited: Set = [position]
        for _ in 0..<maze.maxSteps {
            let response = try await host.respond(
                to: host.encode(grid.view(at: position, visited: visited)), maxTokens: moveMaxTokens)
            let text = host.decode(response)
            let move = text.hasSuffix("\n") ? Direction(rawValue: String(text.dropLast())) : nil
            let from = position
            let outcome = try await host.tool("move", input: text.trimmingCharacters(in: .newlines)) {
                guard let move else { return "invalid" }
                let next = from.moved(move)
                guard grid.isOpen(next) else { return "wall" }
                return next == grid.goal ? "goal" : "moved"
            }
            if let move, outcome != "wall" {
                position = from.moved(move)
                visited.insert(position)
            }
            host.emitReward(-stepPenalty, name: "step")
            if position == grid.goal { return 1 }
        }
        return 0
    }
}
