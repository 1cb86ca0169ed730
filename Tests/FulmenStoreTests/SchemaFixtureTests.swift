import Foundation
import FulmenCore
import FulmenStore
import Testing
import ZMQActorSystem

/// A store directory made by an earlier store (Fixtures/README.md says how) opens with today's, which
/// migrates it, and everything in it reads back as it was written.
@Suite("Store: databases of earlier versions")
struct SchemaFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/store-2026-12-07/store.sqlite")

    @Test func aStoreDirectoryFromDecember2026OpensAndReadsBack() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.fixture, to: directory.appendingPathComponent("store.sqlite"))
        let store = try await StoreFixture(location: .directory(directory)).store
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)

        let rollouts = try await store.rollouts(RolloutQuery()).items
        #expect(rollouts.map(\.id) == ["r-0", "r-1", "r-2"])
        #expect(rollouts.map(\.status) == [.succeeded, .failed, .queuing])
        #expect(rollouts.allSatisfy { $0.experiment == "exp-1" && $0.task == "calc" && $0.resources == 1 })
        #expect(rollouts.map(\.input) == (0..<3).map { Data("{\"n\":\($0)}".utf8) })
        let failed = try await store.rollout("r-1").attempts
        #expect(failed.map(\.id) == ["r-1/attempt-1"] && failed.first?.status == .failed && failed.first?.worker == "worker-1")
        #expect(failed.first?.error == "boom")

        let spans = try await store.allSpans(of: "r-0")
        #expect(spans.map(\.sequence) == [1, 2] && spans.allSatisfy { $0.attempt == "r-0/attempt-1" })
        #expect(spans.map(\.span) == [
            Span(id: "1", name: "fulmen.llm", start: t0, end: t0.addingTimeInterval(1),
                 attributes: ["prompt_token_ids": .ints([1, 2, 3]), "logprobs": .floats([-0.5, -0.25]), "text": .string("A:84")]),
            Span(id: "2", parent: "1", name: "fulmen.reward", start: t0.addingTimeInterval(1), end: t0.addingTimeInterval(1),
                 attributes: ["value": .double(1)]),
        ])
        #expect(try await store.allSpans(of: "r-1").map(\.span.name) == ["fulmen.tool"])
        let settled = try await store.completions(CompletionsRequest(after: 0, wait: .zero)).completions
        #expect(settled.map(\.rollout.id) == ["r-0", "r-1"])

        let snapshot = try #require(try await store.resources(nil))
        #expect(snapshot.id == 1 && Set(snapshot.resources.keys) == ["system", ResourceName.sampling, ResourceName.policy])
        #expect(snapshot.resources["system"]?.inline == Data("Q: {question}".utf8))
        #expect(snapshot.resources[ResourceName.sampling]?.inline == Data(#"{"temperature":0.5}"#.utf8))
        let weights = try #require(snapshot.resources[ResourceName.policy])
        #expect(try await store.resourceContent(hash: weights.hash) == safetensors(floats: [1, 2, 3, 4]))

        let experiment = try await store.experiment("exp-1")
        #expect(experiment.name == "fixture" && experiment.spec == Data("task: calc\n".utf8))
        #expect(experiment.status == .running && experiment.trainer == "trainer-1")
        #expect(experiment.checkpoints == [
            Checkpoint(step: 2, location: "exp-1/step-2.safetensors", resources: 1, createdAt: t0.addingTimeInterval(61)),
        ])
        #expect(try await store.metrics("exp-1", afterStep: nil) == [
            MetricPoint(step: 1, time: t0, values: ["loss": 2.5]),
            MetricPoint(step: 2, time: t0.addingTimeInterval(60), values: ["loss": 1.25, "reward": 0.5]),
        ])
        #expect(try await store.workers().map(\.id) == ["worker-1"])

        // And it carries on: the queued rollout is claimed, played and settled; new work goes in.
        let claim = try #require(try await store.dequeue(DequeueRequest(worker: "worker-1", tasks: [], limit: 1, wait: .zero)).first)
        #expect(claim.attempt == "r-2/attempt-1" && claim.rollout.resources == 1)
        #expect(try await store.complete(claim.attempt, .succeeded) == .accepted)
        #expect(try await store.enqueue([RolloutRequest(id: "r-3", task: "calc", input: Data())]).first?.created == true)
        #expect(try await store.statistics().rollouts[.succeeded] == 2)
    }
}
