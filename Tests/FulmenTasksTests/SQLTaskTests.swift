import FulmenCore
import FulmenModel
import FulmenRunner
import FulmenAgents
@testable import FulmenTasks
import Foundation
import Testing

/// A random sql policy: a well-formed query from the expert's own templates with a random name, city or
/// age (it cannot see the data), then an answer copying SQLite's result.
struct RandomSQLPolicy: ScriptedPolicy {
    var random: SeededRandom
    static let names = ["Ada", "Bob", "Cal", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lea",
                        "Max", "Ned", "Ola", "Pam", "Rex", "Sue", "Tom", "Uma", "Val", "Wes", "Yan", "Zoe"]
    static let cities = ["Oslo", "Rome", "Lima", "Bern", "Kyiv", "Doha"]

    mutating func respond(to prompt: String) -> String {
        let last = prompt.split(separator: "\n").last ?? ""
        if last.hasPrefix("R:") || last.hasPrefix("E:") { return "A:" + last.dropFirst(2) + "\n" }
        let name = Self.names.randomElement(using: &random)!
        let city = Self.cities.randomElement(using: &random)!
        let queries = [
            "select count(*) from p where c='\(city)'", "select a from p where n='\(name)'",
            "select c from p where n='\(name)'", "select max(a) from p where c='\(city)'",
            "select count(*) from p where a>\(Int.random(in: 20...75, using: &random))",
            "select sum(a) from p where c='\(city)'", "select n from p order by a desc limit 1",
        ]
        return "S:" + queries.randomElement(using: &random)! + "\n"
    }
}

@Suite struct SQLTaskTests {
    let task = SQLTask()

    @Test func theSplitIsDeterministicAndSharesNoDatabase() throws {
        let split = try task.split(seed: 5, trainCount: 300, validationCount: 100)
        #expect(split == (try task.split(seed: 5, trainCount: 300, validationCount: 100)))
        #expect(split != (try task.split(seed: 6, trainCount: 300, validationCount: 100)))
        let trainDatabases = Set(split.train.map(\.database))
        let validationDatabases = Set(split.validation.map(\.database))
        #expect(trainDatabases.count == 300 && validationDatabases.count == 100)
        #expect(trainDatabases.isDisjoint(with: validationDatabases))
        #expect(Set(split.validation.map(\.kind)) == Set(SQLQuestion.Kind.allCases))
    }

    @Test func theExpertSolvesTheWholeValidationSplitThroughSQLite() async throws {
        let validation = try task.split(seed: 9, trainCount: 0, validationCount: 100).validation
        var solved = 0
        for question in validation {
            let episode = try await task.play(question, with: try task.expert(for: question))
            if task.isSuccess(reward: episode.reward) { solved += 1 }
            #expect(episode.toolCalls.count == 1 && episode.toolCalls[0].name == "sqlite")
            #expect(episode.toolCalls[0].output.hasPrefix("R:"))
            // One transcript, well inside tiny's context.
            let samples = episode.demonstration.samples
            #expect(samples.count == 1 && samples[0].tokens.count <= 100)
        }
        #expect(solved == validation.count)
    }

    @Test func aRandomPolicyDoesPoorly() async throws {
        let validation = try task.split(seed: 9, trainCount: 0, validationCount: 200).validation
        let rate = try await successRate(task, validation) { _, index in
            RandomSQLPolicy(random: SeededRandom(seed: UInt64(index)))
        }
        #expect(rate <= 0.2)
    }

    @Test func badSQLGetsSQLitesOwnError() async throws {
        let question = SQLQuestion(database: 42, kind: .oldest)
        let cases: [(sql: String, error: String)] = [
            ("selec n from p", "E:near \"selec\": syntax error\n"),
            ("select x from p", "E:no such column: x\n"),
            ("select n from people", "E:no such table: people\n"),
            ("select n from p where", "E:incomplete input\n"),
            ("delete from p", "E:attempt to write a readonly database\n"),
            ("attach '/tmp/fulmen-sql-task.db' as x", "E:too many attached databases - max 0\n"),
            ("vacuum into '/tmp/fulmen-sql-task.db'", "E:too many attached databases - max 0\n"),
            ("select count(*) from p,p,p,p,p,p,p,p", "E:interrupted\n"),
            ("select length(zeroblob(1000000))", "E:string or blob too big\n"),
        ]
        for (sql, error) in cases {
            let episode = try await task.play(question, with: ScriptedLines("S:\(sql)\n", "A:x\n"))
            #expect(episode.toolCalls.map(\.output) == [error], "\(sql)")
            #expect(episode.toolCalls.first?.input == sql)
            #expect(Tokenizer.decode(episode.turns[1].prompt) == "Q:oldest person?\nS:\(sql)\n\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/fulmen-sql-task.db"))
    }

    @Test func resultsAreShownCompactly() async throws {
        let question = SQLQuestion(database: 42, kind: .oldest)
        for (sql, result) in [
            ("select 1, 'a', null, 2.5", "R:1|a|NULL|2.5\n"), ("select n from p where a<0", "R:\n"),
            ("select 'x' union all select 'y'", "R:x;y\n"),
            ("select n, c, a from p", nil),
        ] {
            let episode = try await task.play(question, with: ScriptedLines("S:\(sql)\n", "A:x\n"))
            let output = try #require(episode.toolCalls.first?.output)
            if let result { #expect(output == result) }
            #expect(output.utf8.count <= 43 && output.hasSuffix("\n"))
        }
    }

    @Test func aRetryAfterAnErrorIsAllowedOnceWhenItFits() async throws {
        let question = SQLQuestion(database: 42, kind: .oldest)
        let expert = try task.expert(for: question)
        let answer = try #require(try await task.play(question, with: expert).toolCalls.first?.output.dropFirst(2))
        let retried = try await task.play(
            question, with: ScriptedLines("S:selec\n", "S:select n from p order by a desc limit 1\n", "A:\(answer)"))
        #expect(retried.toolCalls.count == 2)
        #expect(retried.reward == 1)
        // One query only: the second line is the answer, whatever it says.
        let once = try await SQLTask(maxQueries: 1).play(
            question, with: ScriptedLines("S:selec\n", "S:select n from p order by a desc limit 1\n"))
        #expect(once.toolCalls.count == 1 && once.turns.count == 2 && once.reward == 0)
        // A line that is neither a query nor an answer is told so.
        let malformed = try await task.play(question, with: ScriptedLines("hello\n", "A:x\n"))
        #expect(malformed.toolCalls.isEmpty)
        #expect(Tokenizer.decode(malformed.turns[1].prompt) == "Q:oldest person?\nhello\nE:expected S:<sql> or A:<answer>\n")
    }

    @Test func invalidInputIsRefusedNamingTheProblem() async throws {
        let questions = [
            SQLQuestion(database: 42, kind: .ageOf, argument: "Nobody"),
            SQLQuestion(database: 42, kind: .countInCity, argument: "Paris"),
            SQLQuestion(database: 42, kind: .countOlderThan, argument: "old"),
            SQLQuestion(database: 42, kind: .oldest, argument: "Ada"),
        ]
        for question in questions {
            let error = #expect(throws: TaskError.self) { try task.expert(for: question) }
            #expect(error?.description.contains(question.argument) == true)
            await #expect(throws: TaskError.self) { try await task.play(question, with: ScriptedLines()) }
        }
        #expect(throws: TaskError.self) { try SQLTask(maxQueries: 0).split(seed: 1, trainCount: 1, validationCount: 1) }
        #expect(throws: TaskError.self) { try SQLTask(contextLength: 64).split(seed: 1, trainCount: 1, validationCount: 1) }
    }

    @Test func theAgentPlaysWithinTinysContextOnAGrowingTranscript() async throws {
        let sandbox = EpisodeSandbox(policy: try randomTinyPolicy())
        let questions = try task.split(seed: 3, trainCount: 0, validationCount: 2).validation
        for question in questions {
            let outcome = try await sandbox.play(task.agent, input: question)
            #expect(outcome.error == nil)
            let calls = outcome.modelCalls
            #expect((1...3).contains(calls.count))
            #expect(Tokenizer.decode(calls[0].prompt) == "Q:\(question.question)\n")
            expectWellFormedCalls(calls, contextLength: GPTConfig.tiny.contextLength, prefix: true)
            // Tool calls run queries the model wrote (all of them but one it wrote with none left).
            let queries = calls.map { Tokenizer.decode($0.response) }.filter { $0.hasPrefix("S:") }
            #expect((max(0, queries.count - 1)...queries.count).contains(outcome.toolCalls.count))
            #expect(outcome.toolCalls.allSatisfy { tool in queries.contains { $0.hasPrefix("S:" + tool.input) } })
            #expect(outcome.finalReward == 0)
        }
    }
}

extension SQLTaskTests {
    @Test func theImperfectDemonstratorMostlyForgetsTheCityFilter() async throws {
        let validation = try task.split(seed: 9, trainCount: 0, validationCount: 300).validation
        var solved: [SQLQuestion.Kind: Int] = [:]
        var total: [SQLQuestion.Kind: Int] = [:]
        for question in validation {
            let episode = try await task.play(question, with: try task.imperfectDemonstrator(for: question))
            total[question.kind, default: 0] += 1
            if task.isSuccess(reward: episode.reward) { solved[question.kind, default: 0] += 1 }
        }
        #expect(SQLImperfectDemonstrator.blindSpots == [.countInCity, .totalAgeInCity, .maxAgeInCity])
        for kind in SQLQuestion.Kind.allCases {
            let rate = Double(solved[kind, default: 0]) / Double(try #require(total[kind]))
            if SQLImperfectDemonstrator.blindSpots.contains(kind) {
                // One in four written right, so a policy sampling like it finds the filter; a maximum over
                // everyone is also right when the oldest lives in the city (measured: 31% in all).
                #expect((0.08...0.65).contains(rate), "\(kind) \(rate)")
            } else {
                #expect(rate == 1, "\(kind)")
            }
        }
        let overall = Double(solved.values.reduce(0, +)) / Double(validation.count)
        let expert = try await successRate(task, validation) { question, _ in try task.expert(for: question) }
        // Measured: 72%, against the expert's 100%.
        #expect((0.62...0.80).contains(overall), "imperfect \(overall)")
        #expect(overall <= expert - 0.2)
    }

    @Test func theImperfectDemonstrationsHaveTheExpertsShape() async throws {
        let count = SQLQuestion(database: 42, kind: .countInCity, argument: "Oslo")
        let episode = try await task.play(count, with: task.imperfectDemonstrator(for: count))
        #expect(episode.toolCalls.map(\.input) == ["select count(*) from p"])
        #expect(episode.toolCalls.map(\.output) == ["R:8\n"])
        #expect(episode.turns.map { Tokenizer.decode($0.response) } == ["S:select count(*) from p\n", "A:8\n"])
        #expect(episode.reward == 0)
        for question in try task.split(seed: 10, trainCount: 0, validationCount: 40).validation {
            let expert = try await task.play(question, with: task.expert(for: question))
            let imperfect = try await task.play(question, with: task.imperfectDemonstrator(for: question))
            // One query, then the answer copied from its result, on one transcript from the same question.
            #expect(imperfect.turns.count == 2 && imperfect.toolCalls.count == 1)
            #expect(imperfect.toolCalls[0].output.hasPrefix("R:"))
            #expect(imperfect.turns[0].prompt == expert.turns[0].prompt)
            #expect(Tokenizer.decode(imperfect.turns[1].response) == "A:" + imperfect.toolCalls[0].output.dropFirst(2))
            let samples = imperfect.demonstration.samples
            #expect(samples.count == 1 && samples[0].tokens.count <= 100)
            let forgets =
                SQLImperfectDemonstrator.blindSpots.contains(question.kind)
                && !BlindSpotLapse.playsRight(question.description)
            #expect((imperfect == expert) == !forgets)
        }
        #expect(throws: TaskError.self) {
            try task.imperfectDemonstrator(for: SQLQuestion(database: 42, kind: .countInCity, argument: "Paris"))
        }
    }
}
