import Foundation
import FulmenCore
import Testing
import ZMQActorSystem
import ZMQTestSupport

/// A `fulmen store` with CurveZMQ keys made by `fulmen keygen --role`: each key may make the calls
/// of its role's protocols and is refused every other, with an error naming the call and the role.
@Suite("Store: roles", .serialized)
struct StoreRoleTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-roles-\(UUID().uuidString)").path

    /// The protocols a call can be declared by.
    enum Surface: CaseIterable {
        case runner, trainer, control, reads
    }

    /// The store as one key sees it, resolved as each protocol.
    struct Stubs {
        let system: ZMQActorSystem
        let runner: $RunnerStore<ZMQActorSystem>
        let trainer: $TrainerStore<ZMQActorSystem>
        let control: $ControlStore<ZMQActorSystem>
        let reads: $StoreReads<ZMQActorSystem>
    }

    /// Every call of the store's protocols, made through the stub of the protocol that declares it (so
    /// the compiler checks that `surface` is right), with arguments the store may refuse for reasons
    /// of their own: only a refusal by role counts here.
    static let calls: [(name: String, surface: Surface, make: @Sendable (Stubs) async throws -> Void)] = [
        ("register", .runner, { _ = try await $0.runner.register(WorkerRegistration(id: "w", host: "test", concurrency: 1)) }),
        ("workerHeartbeat", .runner, {
            try await $0.runner.workerHeartbeat("w", WorkerSnapshot(runningEpisodes: 0, loadAverage: 0, residentBytes: 0))
        }),
        ("unregister", .runner, { try await $0.runner.unregister("nobody") }),
        ("dequeue", .runner, { _ = try await $0.runner.dequeue(DequeueRequest(worker: "w", tasks: ["none"], limit: 1, wait: .zero)) }),
        ("markRunning", .runner, { _ = try await $0.runner.markRunning("r/attempt-1") }),
        ("heartbeat", .runner, { _ = try await $0.runner.heartbeat("r/attempt-1") }),
        ("addSpans", .runner, { _ = try await $0.runner.addSpans([], to: "r/attempt-1") }),
        ("complete", .runner, { _ = try await $0.runner.complete("r/attempt-1", .succeeded) }),
        ("resources", .runner, { _ = try await $0.runner.resources(nil) }),
        ("resourceContent", .runner, { _ = try await $0.runner.resourceContent(hash: "00") }),
        ("claimExperiment", .trainer, { _ = try await $0.trainer.claimExperiment(trainer: "t", wait: .zero) }),
        ("updateExperiment", .trainer, { _ = try await $0.trainer.updateExperiment("none", status: .failed, message: nil) }),
        ("reportMetrics", .trainer, { try await $0.trainer.reportMetrics("none", []) }),
        ("addCheckpoint", .trainer, {
            try await $0.trainer.addCheckpoint("none", Checkpoint(step: 1, location: "-", resources: nil, createdAt: Date()))
        }),
        ("enqueue", .trainer, { _ = try await $0.trainer.enqueue([]) }),
        ("completions", .trainer, { _ = try await $0.trainer.completions(CompletionsRequest(wait: .zero)) }),
        ("publish", .trainer, { _ = try await $0.trainer.publish(ResourcePublication(resources: [:])) }),
        ("submit", .control, { _ = try await $0.control.submit(ExperimentSubmission(name: "", spec: Data())) }),
        ("cancelExperiment", .control, { _ = try await $0.control.cancelExperiment("none") }),
        ("cancel", .control, { _ = try await $0.control.cancel([]) }),
        ("rollout", .reads, { _ = try await $0.reads.rollout("none") }),
        ("rollouts", .reads, { _ = try await $0.reads.rollouts(RolloutQuery()) }),
        ("spans", .reads, { _ = try await $0.reads.spans(SpanQuery(rollout: "none")) }),
        ("experiment", .reads, { _ = try await $0.reads.experiment("none") }),
        ("experiments", .reads, { _ = try await $0.reads.experiments(status: nil) }),
        ("metrics", .reads, { _ = try await $0.reads.metrics("none", afterStep: nil) }),
        ("workers", .reads, { _ = try await $0.reads.workers() }),
        ("statistics", .reads, { _ = try await $0.reads.statistics() }),
    ]

    func keygen(_ name: String, role: StoreRole?) async throws {
        let made = try await runToEnd(
            "fulmen", arguments: ["keygen", name, "--directory", directory] + (role.map { ["--role", $0.rawValue] } ?? []))
        #expect(made.status == 0, "\(made.errors)")
    }

    func stubs(_ name: String, store endpoint: String) throws -> Stubs {
        let security = ZMQActorSystem.Security(
            keyPair: try CurveKeyPair(secretKeyFile: "\(directory)/\(name).key"),
            serverKeys: [endpoint: try CurveKey(publicKeyFile: "\(directory)/store.pub")])
        let system = try ZMQActorSystem(settings: testSettings { $0.security = security })
        let address = ActorAddress.wellKnown(StoreName.wellKnown, at: endpoint)
        return Stubs(
            system: system, runner: try $RunnerStore<ZMQActorSystem>.resolve(id: address, using: system),
            trainer: try $TrainerStore<ZMQActorSystem>.resolve(id: address, using: system),
            control: try $ControlStore<ZMQActorSystem>.resolve(id: address, using: system),
            reads: try $StoreReads<ZMQActorSystem>.resolve(id: address, using: system))
    }

    /// Makes every call as `stubs`; answers the calls refused by role, each with its message.
    func refusals(_ stubs: Stubs) async -> [String: String] {
        var refused: [String: String] = [:]
        for call in Self.calls {
            let error = await storeError({ try await call.make(stubs) })
            if error?.code == .permissionDenied { refused[call.name] = error?.message }
        }
        return refused
    }

    @Test func eachKeyMayMakeTheCallsOfItsRoleOnly() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys: [(name: String, role: StoreRole?)] = [
            ("store", .admin), ("runner-a", .runner), ("trainer", .trainer), ("operator", .control), ("root", .admin),
            ("unassigned", nil),
        ]
        for key in keys { try await keygen(key.name, role: key.role) }
        let allowList = "\(directory)/allowed-keys"
        try keys.map { try String(contentsOfFile: "\(directory)/\($0.name).pub", encoding: .utf8) }.joined()
            .write(toFile: allowList, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let store = try await ChildProcess("fulmen", arguments: [
            "store", "--in-memory", "--bind", endpoint, "--log-level", "critical",
            "--key", "\(directory)/store.key", "--allow", allowList,
        ])
        defer { store.kill() }
        #expect(store.readyLine.hasPrefix("store ready at \(endpoint)"))

        let allowed: [String: Set<Surface>] = [
            "runner-a": [.runner], "trainer": [.trainer, .reads], "operator": [.control, .reads], "root": Set(Surface.allCases),
            "unassigned": [],
        ]
        for (name, surfaces) in allowed.sorted(by: { $0.key < $1.key }) {
            let stubs = try stubs(name, store: endpoint)
            let refused = await refusals(stubs)
            let expected = Set(Self.calls.filter { !surfaces.contains($0.surface) }.map(\.name))
            #expect(Set(refused.keys) == expected, "\(name): refused \(refused.keys.sorted()), expected \(expected.sorted())")
            await stubs.system.shutdown()
        }

        // The refusals name the call and the role (and the key, by its allow-list name).
        let runner = try stubs("runner-a", store: endpoint)
        let submit = await storeError({ try await runner.control.submit(ExperimentSubmission(name: "x", spec: Data())) })
        #expect(submit == StoreError(.permissionDenied, "submit is not allowed for role runner (key runner-a)"))
        let cancel = await storeError({ try await runner.control.cancelExperiment("any") })
        #expect(cancel?.message == "cancelExperiment is not allowed for role runner (key runner-a)")
        await runner.system.shutdown()
        let control = try stubs("operator", store: endpoint)
        let claim = await storeError({
            try await control.runner.dequeue(DequeueRequest(worker: "w", limit: 1, wait: .zero))
        })
        #expect(claim?.message == "dequeue is not allowed for role control (key operator)")
        let claimExperiment = await storeError({ try await control.trainer.claimExperiment(trainer: "t", wait: .zero) })
        #expect(claimExperiment?.message == "claimExperiment is not allowed for role control (key operator)")
        await control.system.shutdown()
        let unassigned = try stubs("unassigned", store: endpoint)
        let read = await storeError({ try await unassigned.reads.statistics() })
        #expect(read?.message.hasPrefix("statistics is not allowed for a key without a role (key unassigned)") == true, "\(String(describing: read))")
        await unassigned.system.shutdown()

        // The control commands with a runner's key are refused the same way, and submitted nothing.
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/calc.yaml").path
        func fulmen(_ arguments: [String], as name: String) async throws -> (status: Int32, output: String, errors: String) {
            try await runToEnd("fulmen", arguments: arguments + [
                "--store", endpoint, "--key", "\(directory)/\(name).key", "--store-key", "\(directory)/store.pub",
            ])
        }
        let refused = try await fulmen(["submit", spec, "--name", "by-runner"], as: "runner-a")
        #expect(refused.status != 0 && refused.errors.contains("submit is not allowed for role runner (key runner-a)"), "\(refused.errors)")
        let listed = try await fulmen(["status"], as: "operator")
        #expect(listed.status == 0 && listed.output == "no experiments\n", "\(listed.output) \(listed.errors)")
    }

    @Test func aRoleGivenOrChangedWhileTheStoreRunsCountsFromTheNextCall() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await keygen("store", role: nil)
        try await keygen("worker", role: nil)
        let allowList = "\(directory)/allowed-keys"
        let line = try String(contentsOfFile: "\(directory)/worker.pub", encoding: .utf8)
        try line.write(toFile: allowList, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let store = try await ChildProcess("fulmen", arguments: [
            "store", "--in-memory", "--bind", endpoint, "--log-level", "critical",
            "--key", "\(directory)/store.key", "--allow", allowList,
        ])
        defer { store.kill() }
        let worker = try stubs("worker", store: endpoint)
        let registration = WorkerRegistration(id: "w", host: "test", concurrency: 1)
        let unassigned = await storeError({ try await worker.runner.register(registration) })
        #expect(unassigned?.code == .permissionDenied && unassigned?.message.contains("without a role") == true)

        // The same connection, judged by the changed line.
        try line.replacingOccurrences(of: "\n", with: " role=runner\n").write(toFile: allowList, atomically: true, encoding: .utf8)
        #expect(await eventually { (try? await worker.runner.register(registration)) != nil }, "the new role never counted")
        try line.replacingOccurrences(of: "\n", with: " role=runer\n").write(toFile: allowList, atomically: true, encoding: .utf8)
        #expect(await eventually {
            await storeError({ try await worker.runner.unregister("w") })?.message
                == "unregister is not allowed for role 'runer', which is none of runner, trainer, control, admin (key worker)"
        })
        try "".write(toFile: allowList, atomically: true, encoding: .utf8)
        #expect(await eventually {
            await storeError({ try await worker.runner.unregister("w") })?.message.contains("has no line on the store's allow-list") == true
        }, "a key taken off the list kept its role")
        await worker.system.shutdown()
    }

    @Test func aStoreRefusesToStartOnAnAllowListWithAnUnknownRole() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await keygen("store", role: nil)
        try await keygen("runner-1", role: .runner)
        let allowList = "\(directory)/allowed-keys"
        try String(contentsOfFile: "\(directory)/runner-1.pub", encoding: .utf8).replacingOccurrences(of: "role=runner", with: "role=runners")
            .write(toFile: allowList, atomically: true, encoding: .utf8)
        let started = try await runToEnd("fulmen", arguments: [
            "store", "--in-memory", "--bind", "tcp://127.0.0.1:\(freeLoopbackPort())",
            "--key", "\(directory)/store.key", "--allow", allowList,
        ])
        #expect(started.status != 0)
        #expect(
            started.errors.contains("allow-list \(allowList): runner-1 has role 'runners', which is none of runner, trainer, control, admin"),
            "\(started.errors)")
        let badRole = try await runToEnd("fulmen", arguments: ["keygen", "x", "--directory", directory, "--role", "root"])
        #expect(badRole.status != 0 && badRole.errors.contains("--role: 'root' is none of runner, trainer, control, admin"), "\(badRole.errors)")
    }
}
