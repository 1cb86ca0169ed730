import FulmenCore
import FulmenModel
import FulmenRunner
import FulmenAgents
import FulmenTasks
import Foundation
import Testing

@Suite struct BundledTaskTests {
    @Test func theRegistryListsTheTasksByName() throws {
        #expect(BundledTasks.names == ["calc", "sql", "maze"])
        for name in BundledTasks.names {
            let task = try BundledTasks.named(name)
            #expect(task.name == name)
            #expect(BundledAgents.agent(for: task).task == name)
            #expect(task.contextLength <= GPTConfig.tiny.contextLength)
        }
        let error = #expect(throws: TaskError.self) { try BundledTasks.named("chess") }
        #expect(error == .unknownTask("chess", known: ["calc", "sql", "maze"]))
        #expect(error?.description.contains("calc, sql, maze") == true)
    }

    @Test func theEncodedSplitAndDemonstrationsServeCallersThatKnowOnlyTheName() async throws {
        for task in BundledTasks.all {
            let split = try task.encodedSplit(seed: 1, trainCount: 3, validationCount: 2)
            #expect(split.train.count == 3 && split.validation.count == 2)
            for input in split.train + split.validation {
                let demonstration = try await task.demonstration(forEncoded: input)
                #expect(task.isSuccess(reward: demonstration.reward))
                #expect(!demonstration.samples.isEmpty)
                for sample in demonstration.samples {
                    #expect(sample.tokens.count == sample.trainable.count)
                    #expect(sample.tokens.count <= task.contextLength)
                    #expect(sample.trainable.contains(true) && sample.trainable.first == false)
                }
            }
            await #expect(throws: TaskError.self) { try await task.demonstration(forEncoded: Data("{}".utf8)) }
        }
        let calc = try #require(String(data: try CalcTask().encodedSplit(seed: 1, trainCount: 1, validationCount: 0).train[0], encoding: .utf8))
        #expect(calc.hasPrefix("{\"a\":") && calc.contains("\"op\":"))
    }

    @Test func aDemonstrationJoinsTurnsOnlyWhereThePromptGrows() {
        let turns = [
            Turn(prompt: [1, 2], response: [3]),
            Turn(prompt: [1, 2, 3, 4], response: [5, 6]),
            Turn(prompt: [9], response: [8]),
            Turn(prompt: [9, 7], response: [6]),
        ]
        let demonstration = Demonstration(turns: turns, reward: 1)
        #expect(
            demonstration.samples == [
                .init(tokens: [1, 2, 3, 4, 5, 6], trainable: [false, false, true, false, true, true]),
                .init(tokens: [9, 8], trainable: [false, true]),
                .init(tokens: [9, 7, 6], trainable: [false, false, true]),
            ])
    }
}

extension BundledTaskTests {
    @Test func aCallerThatKnowsOnlyTheNameGetsTheImperfectDemonstrations() async throws {
        #expect(Demonstrator.allCases.map(\.rawValue) == ["expert", "imperfect"])
        #expect(try JSONDecoder().decode(Demonstrator.self, from: Data("\"imperfect\"".utf8)) == .imperfect)
        for task in BundledTasks.all {
            let split = try task.encodedSplit(seed: 3, trainCount: 40, validationCount: 0)
            var expertReward = 0.0
            var imperfectReward = 0.0
            for input in split.train {
                let expert = try await task.demonstration(forEncoded: input)
                #expect(expert == (try await task.demonstration(forEncoded: input, by: .expert)))
                let imperfect = try await task.demonstration(forEncoded: input, by: .imperfect)
                expertReward += expert.reward
                imperfectReward += imperfect.reward
                #expect(!imperfect.samples.isEmpty)
                for sample in imperfect.samples {
                    #expect(sample.tokens.count == sample.trainable.count)
                    #expect(sample.tokens.count <= task.contextLength)
                    #expect(sample.trainable.contains(true) && sample.trainable.first == false)
                }
            }
            #expect(expertReward == 40)
            #expect(imperfectReward <= 0.85 * expertReward, "\(task.name)")
            await #expect(throws: TaskError.self) {
                try await task.demonstration(forEncoded: Data("{}".utf8), by: .imperfect)
            }
        }
    }
}
