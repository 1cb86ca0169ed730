import FulmenCore
import FulmenModel
import FulmenRunner
import FulmenAgents
import FulmenTasks
import Foundation
import Testing

/// A random maze policy: a uniformly random move each turn.
struct RandomMazePolicy: ScriptedPolicy {
    var random: SeededRandom

    mutating func respond(to prompt: String) -> String {
        ["N", "E", "S", "W"].randomElement(using: &random)! + "\n"
    }
}

@Suite struct MazeTaskTests {
    let task = MazeTask()

    /// S . #
    /// # . .
    /// G . #     the way: E, S, S, W (4 moves)
    let small = Maze(rows: ["S.#", "#..", "G.#"], maxSteps: 6)

    @Test func theSplitIsDeterministicDistinctAndSolvable() throws {
        let split = try task.split(seed: 2, trainCount: 200, validationCount: 100)
        #expect(split == (try task.split(seed: 2, trainCount: 200, validationCount: 100)))
        #expect(split != (try task.split(seed: 3, trainCount: 200, validationCount: 100)))
        #expect(Set(split.train.map(\.rows)).isDisjoint(with: split.validation.map(\.rows)))
        #expect(Set(split.train.map(\.rows)).count == 200)
        for maze in split.train + split.validation {
            #expect(maze.rows.count == 6 && maze.rows.allSatisfy { $0.count == 6 })
            #expect(maze.rows.joined().filter { $0 == "S" }.count == 1)
            #expect(maze.rows.joined().filter { $0 == "G" }.count == 1)
            #expect(throws: Never.self) { try task.expert(for: maze) }
        }
    }

    @Test func theExpertReachesEveryValidationGoalAlongAShortestWay() async throws {
        let validation = try task.split(seed: 4, trainCount: 0, validationCount: 100).validation
        for maze in validation {
            let episode = try await task.play(maze, with: try task.expert(for: maze))
            #expect(task.isSuccess(reward: episode.reward), "\(maze)")
            // The limit is twice the shortest way, which the expert takes.
            #expect(episode.turns.count * MazeTask().stepAllowance == maze.maxSteps)
            #expect(episode.toolCalls.allSatisfy { $0.output == "moved" || $0.output == "goal" })
            #expect(episode.intermediateRewards.count == episode.turns.count)
        }
    }

    @Test func aRandomPolicyDoesPoorly() async throws {
        let validation = try task.split(seed: 4, trainCount: 0, validationCount: 200).validation
        let rate = try await successRate(task, validation) { _, index in
            RandomMazePolicy(random: SeededRandom(seed: UInt64(index)))
        }
        #expect(rate <= 0.2)
    }

    @Test func anEpisodeShowsTheViewPenalisesEveryStepAndStopsAtTheGoal() async throws {
        let episode = try await task.play(small, with: try task.expert(for: small))
        #expect(episode.turns.map { Tokenizer.decode($0.response) } == ["E\n", "S\n", "S\n", "W\n"])
        #expect(Tokenizer.decode(episode.turns[0].prompt) == "@.#\n#..\nG.#\ngoal 2S 0E open E\n")
        // The neighbours the agent has stood on are in lower case: it came from the north.
        #expect(Tokenizer.decode(episode.turns[3].prompt) == "..#\n#..\nG@#\ngoal 0S 1W open nW\n")
        #expect(episode.toolCalls.map(\.output) == ["moved", "moved", "moved", "goal"])
        #expect(episode.toolCalls.map(\.input) == ["E", "S", "S", "W"])
        #expect(episode.intermediateRewards.map(\.name) == Array(repeating: "step", count: 4))
        #expect(episode.intermediateRewards.map(\.value) == Array(repeating: -0.01, count: 4))
        #expect(episode.reward == 1)
        #expect(abs(episode.totalReward - 0.96) < 1e-9)
        // Each turn is a sample of its own: the view, then the move.
        let samples = episode.demonstration.samples
        #expect(samples.count == 4)
        #expect(samples.allSatisfy { $0.trainable == Array(repeating: false, count: $0.tokens.count - 2) + [true, true] })
        #expect(samples.allSatisfy { $0.tokens.count <= task.contextLength })
    }

    @Test func wallsAndBadMovesLeaveTheAgentInPlaceAndCostAStep() async throws {
        let episode = try await task.play(small, with: ScriptedLines("S\n", "W\n", "N\n", "X\n", "e\n", "E"))
        #expect(episode.toolCalls.map(\.output) == ["wall", "wall", "wall", "invalid", "invalid", "invalid"])
        #expect(Set(episode.turns.map(\.prompt)).count == 1)
        #expect(episode.reward == 0)
        #expect(episode.intermediateRewards.count == small.maxSteps)
        #expect(abs(episode.totalReward + 0.06) < 1e-9)
    }

    @Test func invalidMazesAreRefusedNamingTheProblem() async throws {
        let cases: [(Maze, String)] = [
            (Maze(rows: [], maxSteps: 5), "no cells"),
            (Maze(rows: ["S..", "..G."], maxSteps: 5), "row 1 has 4 cells"),
            (Maze(rows: ["S.x", "..G"], maxSteps: 5), "'x' at column 2"),
            (Maze(rows: ["...", "..G"], maxSteps: 5), "0 starts"),
            (Maze(rows: ["S.G", "..G"], maxSteps: 5), "2 goals"),
            (Maze(rows: ["S#.", "##G"], maxSteps: 5), "cannot be reached"),
            (Maze(rows: ["S..", "..G"], maxSteps: 2), "maxSteps is 2 but the goal is 3 moves"),
        ]
        for (maze, reason) in cases {
            let error = #expect(throws: TaskError.self) { try task.expert(for: maze) }
            #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
            await #expect(throws: TaskError.self) { try await task.play(maze, with: RandomMazePolicy(random: .init(seed: 1))) }
        }
        // A maze whose view does not fit the agent's context.
        var rows = Array(repeating: String(repeating: ".", count: 15), count: 14)
        rows[0] = "S" + String(repeating: ".", count: 14)
        rows[13] = String(repeating: ".", count: 14) + "G"
        let wide = Maze(rows: rows, maxSteps: 40)
        let error = await #expect(throws: TaskError.self) { try await task.play(wide, with: try task.expert(for: wide)) }
        #expect(error?.description.contains("needs 249 tokens") == true)
        #expect(throws: TaskError.self) { try MazeTask(width: 20).split(seed: 1, trainCount: 1, validationCount: 1) }
        #expect(throws: TaskError.self) { try MazeTask(width: 16, height: 16).split(seed: 1, trainCount: 1, validationCount: 1) }
    }

    @Test func theAgentMovesOncePerModelCallAndPaysForEachStep() async throws {
        let sandbox = EpisodeSandbox(policy: try randomTinyPolicy())
        // Few steps each: the model is slow in debug builds.
        var generated = try task.split(seed: 8, trainCount: 0, validationCount: 1).validation[0]
        generated.maxSteps /= task.stepAllowance
        for maze in [small, generated] {
            let outcome = try await sandbox.play(task.agent, input: maze)
            #expect(outcome.error == nil)
            let calls = outcome.modelCalls
            #expect(calls.count == maze.maxSteps)
            expectWellFormedCalls(calls, contextLength: task.contextLength, prefix: false)
            #expect(calls.allSatisfy { $0.prompt.count <= task.contextLength - 2 && $0.maxTokens == 2 })
            let start = maze.rows.joined(separator: "\n").replacingOccurrences(of: "S", with: "@") + "\ngoal "
            #expect(Tokenizer.decode(calls[0].prompt).hasPrefix(start))
            #expect(outcome.toolCalls.count == maze.maxSteps && outcome.toolCalls.allSatisfy { $0.name == "move" })
            #expect(outcome.intermediateRewards.count == maze.maxSteps)
            #expect(outcome.intermediateRewards.allSatisfy { $0.name == "step" && $0.value == -0.01 })
            #expect(outcome.finalReward == 0)
        }
    }
}

extension MazeTaskTests {
    @Test func theImperfectDemonstratorReachesFewerGoalsAndTakesDetours() async throws {
        let validation = try task.split(seed: 4, trainCount: 0, validationCount: 300).validation
        var reached = 0
        var longer = 0
        var expertMoves = 0
        var imperfectMoves = 0
        for maze in validation {
            let expert = try await task.play(maze, with: try task.expert(for: maze))
            let imperfect = try await task.play(maze, with: try task.imperfectDemonstrator(for: maze))
            if task.isSuccess(reward: imperfect.reward) {
                reached += 1
                #expect(imperfect.turns.count >= expert.turns.count)
                if imperfect.turns.count > expert.turns.count { longer += 1 }
                expertMoves += expert.turns.count
                imperfectMoves += imperfect.turns.count
            } else {
                #expect(imperfect.turns.count == maze.maxSteps)
            }
            #expect(imperfect.totalReward <= expert.totalReward)
        }
        // Measured: 63% reached (190 of 300; the expert 100%), 41% of them on a longer way.
        let rate = Double(reached) / Double(validation.count)
        #expect((0.50...0.75).contains(rate), "reached \(rate)")
        #expect(Double(longer) / Double(reached) >= 0.25, "longer \(longer) of \(reached)")
        #expect(Double(imperfectMoves) >= 1.15 * Double(expertMoves))
    }

    @Test func theImperfectDemonstratorHeadsStraightForTheGoalAndWandersOnlyAtWalls() async throws {
        var wandered = 0
        for maze in try task.split(seed: 5, trainCount: 0, validationCount: 60).validation {
            let episode = try await task.play(maze, with: try task.imperfectDemonstrator(for: maze))
            #expect(episode == (try await task.play(maze, with: try task.imperfectDemonstrator(for: maze))))
            #expect(Tokenizer.decode(episode.turns[0].prompt).hasPrefix(maze.rows.joined(separator: "\n")
                .replacingOccurrences(of: "S", with: "@") + "\ngoal "))
            #expect(episode.toolCalls.allSatisfy { $0.output == "moved" || $0.output == "goal" })
            #expect(episode.demonstration.samples.allSatisfy {
                $0.trainable == Array(repeating: false, count: $0.tokens.count - 2) + [true, true]
            })
            for turn in episode.turns {
                let view = Tokenizer.decode(turn.prompt).split(separator: "\n").prefix(maze.rows.count).map(Array.init)
                func find(_ mark: Character) -> (row: Int, column: Int) {
                    let row = view.firstIndex { $0.contains(mark) }!
                    return (row, view[row].firstIndex(of: mark)!)
                }
                let (agent, goal) = (find("@"), find("G"))
                let (rows, columns) = (goal.row - agent.row, goal.column - agent.column)
                let straight: (move: String, row: Int, column: Int) =
                    abs(rows) >= abs(columns)
                    ? (rows < 0 ? "N" : "S", agent.row + rows.signum(), agent.column)
                    : (columns > 0 ? "E" : "W", agent.row, agent.column + columns.signum())
                let open = view.indices.contains(straight.row) && view[straight.row].indices.contains(straight.column)
                    && view[straight.row][straight.column] != "#"
                let move = Tokenizer.decode(turn.response)
                if open { #expect(move == straight.move + "\n") } else { wandered += 1 }
            }
        }
        #expect(wandered > 0)
    }
}
