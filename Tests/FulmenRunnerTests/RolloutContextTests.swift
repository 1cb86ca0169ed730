import FulmenCore
import FulmenModel
import FulmenRunner
import Foundation
import RunnerTestSupport
import Testing
import Tracing

/// The rollout context, its model client and the tracer, with episodes played in a sandbox on a real
/// (randomly initialised) tiny policy model.
@Suite("Runner: rollout context and tracer")
struct RolloutContextTests {
    static let policy = try! GPT(config: .tiny, seed: 7).checkpoint()
    typealias Key = SpanConvention.Attribute

    @Test func spansFormOneTreeUnderTheEpisode() async throws {
        let outcome = try await EpisodeSandbox(policy: Self.policy).play(ModelAgent(), input: .init(prompt: "Q:12+30\n"))
        #expect(outcome.error == nil)
        let byID = Dictionary(uniqueKeysWithValues: outcome.spans.map { ($0.id, $0) })
        #expect(byID.count == outcome.spans.count, "span ids repeat")
        let root = try #require(outcome.spans.last)
        #expect(root.id == "1" && root.name == SpanConvention.episode && root.parent == nil)
        #expect(root.attributes[Key.task] == .string("model"))

        let plan = try #require(outcome.spans.first { $0.name == "plan" })
        #expect(plan.parent == root.id)
        #expect(plan.attributes["plan.prompt"] == .string("Q:12+30\n"))
        let tool = try #require(outcome.spans.first { $0.name == SpanConvention.toolCall })
        #expect(tool.parent == root.id && tool.attributes[Key.tool] == .string("lookup"))
        #expect(tool.attributes[Key.toolInput] == .string("Q:12+30\n"))

        let calls = outcome.spans.filter { $0.name == SpanConvention.modelCall }
        #expect(calls.count == 2)
        #expect(calls[0].parent == plan.id, "a model call inside withSpan is that span's child")
        #expect(calls[1].parent == tool.id, "a model call inside a tool call is its child")
        for span in outcome.spans where span.id != root.id {
            #expect(byID[span.parent ?? ""] != nil, "span \(span.id) has no parent in the episode")
            #expect(span.start >= root.start && span.end <= root.end)
        }
    }

    @Test func modelCallsRecordTokensLogProbabilitiesAndSettings() async throws {
        let outcome = try await EpisodeSandbox(policy: Self.policy).play(ModelAgent(), input: .init(prompt: "Q:7*8\n", maxTokens: 6))
        let calls = outcome.spans.filter { $0.name == SpanConvention.modelCall }
        let first = try #require(calls.first)
        #expect(first.attributes[Key.promptTokens] == .ints(Array("Q:7*8\n".utf8).map(Int.init)))
        guard case .ints(let response) = first.attributes[Key.responseTokens],
            case .floats(let logProbabilities) = first.attributes[Key.logProbabilities]
        else {
            Issue.record("the model call lacks response tokens or log-probabilities: \(first.attributes)")
            return
        }
        #expect(response.count == 6 && logProbabilities.count == 6)
        #expect(logProbabilities.allSatisfy { $0 <= 0 && $0.isFinite })
        #expect(first.attributes[Key.weightsVersion] == .int(1))
        #expect(first.attributes[Key.temperature] == .double(1))
        #expect(first.attributes[Key.finishReason] == .string("length"))
        #expect(first.attributes[Key.agent] == .string("model"))
        #expect(calls[1].attributes[Key.agent] == .string("critic"), "calls inside subAgent carry its name")
        if case .ints(let secondPrompt) = calls[1].attributes[Key.promptTokens] {
            #expect(secondPrompt == [1, 2, 3] + response.prefix(4))
        }
        // The recorded log-probabilities are the model's own: scoring the same tokens agrees.
        let model = try GPT(checkpoint: Self.policy)
        let scored = try model.logProbabilities(of: [Array("Q:7*8\n".utf8).map(Int32.init) + response.map(Int32.init)])[0]
        for (recorded, rescored) in zip(logProbabilities, scored.suffix(6)) {
            #expect(abs(recorded - rescored) < 1e-3)
        }
    }

    @Test func rewardsAreRecordedWithNamesAndTheReturnedOneIsFinal() async throws {
        let outcome = try await EpisodeSandbox(policy: Self.policy).play(ModelAgent(), input: .init(prompt: "Q:1+1\n"))
        let rewards = outcome.spans.filter { $0.name == SpanConvention.reward }
        #expect(rewards.map { $0.attributes[Key.rewardName] } == [.string("format"), .string("reward")])
        #expect(rewards.map { $0.attributes[Key.rewardFinal] } == [.bool(false), .bool(true)])
        #expect(rewards[0].attributes[Key.rewardValue] == .double(0.25))
        #expect(outcome.finalReward == 1)
    }

    @Test func concurrentEpisodesKeepTheirSpansApart() async throws {
        let sandbox = EpisodeSandbox(policy: Self.policy)
        let outcomes = try await withThrowingTaskGroup(of: (Int, EpisodeSandbox.Outcome).self) { group in
            for i in 0..<12 {
                group.addTask {
                    (i, try await sandbox.play(ModelAgent(), input: .init(prompt: "Q:\(i)\n"), attempt: AttemptID("r-\(i)/attempt-1")))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (i, outcome) in outcomes {
            let plans = outcome.spans.filter { $0.name == "plan" }
            #expect(plans.map { $0.attributes["plan.prompt"] } == [.string("Q:\(i)\n")], "episode \(i) saw another's spans")
            #expect(outcome.spans.filter { $0.name == SpanConvention.modelCall }.count == 2)
        }
        #expect(sandbox.inferenceStatistics.largestBatch > 1, "concurrent calls were never batched")
    }

    @Test func samplesDifferAcrossAttemptsAndRepeatWithinOne() async throws {
        let sandbox = EpisodeSandbox(policy: Self.policy)
        func response(_ attempt: AttemptID) async throws -> [String: SpanValue]? {
            let outcome = try await sandbox.play(ModelAgent(), input: .init(prompt: "Q:5-3\n", maxTokens: 12), attempt: attempt)
            return outcome.spans.first { $0.name == SpanConvention.modelCall }?.attributes
        }
        let a = try await response("r/attempt-1")
        let b = try await response("r/attempt-2")
        let again = try await response("r/attempt-1")
        #expect(a?[Key.responseTokens] != b?[Key.responseTokens], "two attempts sampled the same tokens")
        #expect(a?[Key.responseTokens] == again?[Key.responseTokens], "one attempt's samples are not reproducible")
    }

    @Test func metadataAndSettingsChooseTheSampling() async throws {
        let settings = ResourceContent(kind: .settings, data: Data(#"{"temperature": 0.5, "topK": 20}"#.utf8))
        let sandbox = EpisodeSandbox(policy: Self.policy, resources: [ResourceName.sampling: settings])
        let pinned = try await sandbox.play(ModelAgent(), input: .init(prompt: "Q:2\n"))
        let call = try #require(pinned.spans.first { $0.name == SpanConvention.modelCall })
        #expect(call.attributes[Key.temperature] == .double(0.5) && call.attributes[Key.topK] == .int(20))

        let greedy = try await sandbox.play(ModelAgent(), input: .init(prompt: "Q:2\n"), metadata: [RolloutMetadata.temperature: "0"])
        #expect(greedy.spans.first { $0.name == SpanConvention.modelCall }?.attributes[Key.temperature] == .double(0))

        let bad = try await sandbox.play(ModelAgent(), input: .init(prompt: "Q:2\n"), metadata: [RolloutMetadata.temperature: "warm"])
        #expect(bad.error?.contains("fulmen.temperature") == true && bad.error?.contains("'warm'") == true)
    }

    @Test func anEpisodeWithoutWeightsFailsNamingTheMissingResource() async throws {
        let outcome = try await EpisodeSandbox(policy: nil).play(ModelAgent(), input: .init(prompt: "Q:1\n"))
        #expect(outcome.error == "resource snapshot 1 has no resource named 'policy'")
        let call = try #require(outcome.spans.first { $0.name == SpanConvention.modelCall })
        #expect(call.error == outcome.error, "the failed model call is recorded with its error")
        #expect(outcome.spans.last?.error == outcome.error)
    }

    @Test func aPromptTooLongFailsOnlyItsOwnEpisode() async throws {
        let sandbox = EpisodeSandbox(policy: Self.policy)
        async let long = sandbox.play(ModelAgent(), input: .init(prompt: String(repeating: "x", count: 200)), attempt: "long/attempt-1")
        async let short = sandbox.play(ModelAgent(), input: .init(prompt: "Q:1\n"), attempt: "short/attempt-1")
        let (failed, fine) = try await (long, short)
        #expect(failed.error?.contains("prompt has 200 tokens; the context holds 128") == true, "\(failed.error ?? "no error")")
        #expect(fine.error == nil)
    }

    @Test func aFailingAgentsErrorAndEarlierSpansAreKept() async throws {
        let outcome = try await EpisodeSandbox(policy: nil).play(FailingAgent(), input: .init(message: "no luck"))
        #expect(outcome.error == "the agent gave up: no luck")
        #expect(outcome.spans.map(\.name) == [SpanConvention.reward, SpanConvention.episode])
    }

    @Test func spansOutsideAnyEpisodeAreNotRecorded() async throws {
        FulmenTracer.install()
        let recorded = withSpan("outside") { span in span.isRecording }
        #expect(!recorded)
    }
}
