import Distributed
import Foundation
import Testing
@testable import ZMQActorSystem
import ZMQTestSupport

/// Two nodes in this process, talking over real loopback TCP sockets.
@Suite("Remote calls between two nodes")
struct RemoteCallTests {
    /// Runs `body` with a client node and a server node hosting the well-known "service".
    func withPair(
        server configure: (inout ZMQActorSystem.Settings) -> Void = { _ in },
        _ body: (ZMQActorSystem, ZMQActorSystem, $TestService<ZMQActorSystem>) async throws -> Void
    ) async throws {
        let server = try ZMQActorSystem(settings: testSettings(configure))
        let client = try ZMQActorSystem(settings: testSettings())
        let hosted = server.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
        let service = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("service", at: server.node.endpoint), using: client)
        try await shuttingDown(client, server) { try await body(client, server, service) }
        _ = hosted
    }

    @Test func callsReturnValues() async throws {
        try await withPair { _, _, service async throws in
            #expect(try await service.echo("hello") == "hello")
            #expect(try await service.add(40, 2) == 42)
            #expect(try await service.sum([1, 2, 3.5]) == 6.5)
            let record = TestRecord(id: "r", count: 3, kind: .tagged("t", weight: 2), note: "n", scores: ["s": 1], children: [])
            #expect(try await service.roundTrip(record) == record)
            #expect(try await service.makeArray(count: 100_000).count == 100_000)
        }
    }

    @Test func theCalleeKnowsWhichNodeCalled() async throws {
        try await withPair { client, _, service async throws in
            #expect(try await service.caller() == client.node)
        }
        #expect(ZMQActorSystem.currentCaller == nil)
    }

    @Test func voidCallsComplete() async throws {
        try await withPair { _, _, service async throws in
            try await service.touch()
        }
    }

    @Test func genericFunctionsWork() async throws {
        try await withPair { client, server, _ async throws in
            let concrete = try TestServiceActor.resolve(id: .wellKnown("service", at: server.node.endpoint), using: client)
            #expect(try await concrete.identity([1, 2, 3]) == [1, 2, 3])
            #expect(try await concrete.identity("text") == "text")
            #expect(try await concrete.identity(TestRecord(id: "g", count: 1, kind: .plain, note: nil, scores: [:], children: [])).id == "g")
        }
    }

    @Test func remoteErrorsCarryTypeNameMessageAndValue() async throws {
        try await withPair { _, _, service async throws in
            let error = await #expect(throws: RemoteError.self) { try await service.fail("broken") }
            #expect(error?.typeName == String(reflecting: TestFailure.self))
            #expect(error?.message == "TestFailure: broken")
            #expect(error?.decode(as: TestFailure.self) == TestFailure(message: "broken"))
        }
    }

    @Test func deadlineExceededFailsTheCall() async throws {
        try await withPair { _, _, service async throws in
            let started = ContinuousClock.now
            let error = await #expect(throws: RemoteCallError.self) {
                try await CallOptions.withTimeout(.milliseconds(200)) { try await service.sleep(milliseconds: 30_000) }
            }
            #expect(error?.code == .deadlineExceeded)
            // The deadline ended the wait, not the call's own end (with a wide margin for a loaded machine).
            #expect(ContinuousClock.now - started < .seconds(15))
            // The node goes on serving.
            #expect(try await service.echo("after") == "after")
        }
    }

    @Test func unknownActorIsAClearError() async throws {
        try await withPair { client, server, _ async throws in
            let missing = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("nobody", at: server.node.endpoint), using: client)
            let error = await #expect(throws: RemoteCallError.self) { try await missing.echo("x") }
            #expect(error?.code == .unknownActor)
            #expect(error?.message.contains("nobody") == true)
        }
    }

    @Test func cancellationEndsTheWaitAtOnce() async throws {
        try await withPair { _, _, service async throws in
            let call = Task { try await CallOptions.withTimeout(.seconds(60)) { try await service.sleep(milliseconds: 30_000) } }
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }

    @Test func oversizedMessagesGetAClearError() async throws {
        try await withPair(server: { $0.maximumMessageSize = 1 << 20 }) { _, _, service async throws in
            let large = [Float](repeating: 1, count: 384 << 10)  // 1.5 MiB
            let error = await #expect(throws: RemoteCallError.self) { try await service.sum(large) }
            #expect(error?.code == .messageTooLarge)
            // Once heartbeats told the client the limit, it refuses before sending.
            try await Task.sleep(for: .milliseconds(300))
            let again = await #expect(throws: RemoteCallError.self) { try await service.sum(large) }
            #expect(again?.code == .messageTooLarge)
            #expect(try await service.sum([1, 2]) == 3)
        }
    }

    @Test func tooSmallAMessageLimitIsRefusedAtStart() throws {
        let error = #expect(throws: SettingsError.self) {
            try ZMQActorSystem(settings: testSettings { $0.maximumMessageSize = 1000 })
        }
        #expect(error?.description.contains("maximumMessageSize") == true)
    }

    @Test func callsToAnActorOnTheSameNodeWork() async throws {
        let system = try ZMQActorSystem(settings: testSettings())
        let hosted = system.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
        let viaStub = try $TestService<ZMQActorSystem>.resolve(id: hosted.id, using: system)
        #expect(try await viaStub.add(1, 2) == 3)
        await #expect(throws: RemoteError.self) { try await viaStub.fail("local") }
        await system.shutdown()
    }

    @Test func callsWorkBothWays() async throws {
        try await withPair { client, _, service async throws in
            let local = TestServiceActor(actorSystem: client)
            #expect(try await service.callBack(local.id, text: "ping") == "called back: ping")
            // An actor reference as an argument resolves on the callee's node.
            let concrete = try TestServiceActor.resolve(id: service.id, using: client)
            #expect(try await concrete.callBack(actor: local, text: "by reference") == "called back: by reference")
        }
    }

    @Test func callsFromATaskOnTheIOExecutorWork() async throws {
        try await withPair { client, _, service async throws in
            let local = TestServiceActor(actorSystem: client)
            try await Task(executorPreference: client.ioExecutor) {
                #expect(try await service.add(40, 2) == 42)
                try await service.touch()
                await #expect(throws: RemoteError.self) { try await service.fail("on the I/O thread") }
                // The callee calls back an actor of the caller's node while the caller waits
                // on that node's I/O thread.
                #expect(try await service.callBack(local.id, text: "ping") == "called back: ping")
                let error = await #expect(throws: RemoteCallError.self) {
                    try await CallOptions.withTimeout(.milliseconds(200)) { try await service.sleep(milliseconds: 30_000) }
                }
                #expect(error?.code == .deadlineExceeded)
                #expect(try await service.makeArray(count: 100_000).count == 100_000)
            }.value
        }
    }

    @Test func aCallThatWaitsDoesNotHoldUpOthers() async throws {
        try await withPair { _, _, service async throws in
            let finished = Recorder<String>()
            let slow = Task {
                try await CallOptions.withTimeout(.seconds(60)) { try await service.sleep(milliseconds: 30_000) }
                finished.record("slow")
            }
            try await Task.sleep(for: .milliseconds(100))  // lets the slow call reach the callee first
            for index in 0..<20 { #expect(try await service.add(index, 1) == index + 1) }
            // Served while the slow call still waits on the callee's I/O thread.
            #expect(finished.all.isEmpty)
            slow.cancel()
            await #expect(throws: CancellationError.self) { try await slow.value }
        }
    }

    @Test func watchingALocalActorReportsItsEnd() async throws {
        let system = try ZMQActorSystem(settings: testSettings())
        let recorder = Recorder<ActorAddress>()
        var actor: TestServiceActor? = TestServiceActor(actorSystem: system)
        let id = actor!.id
        system.watch(id) { recorder.record($0) }
        #expect(recorder.all.isEmpty)
        actor = nil
        #expect(recorder.all == [id])
        await system.shutdown()
    }

    @Test func shutdownLetsCallsBeingExecutedFinish() async throws {
        let server = try ZMQActorSystem(settings: testSettings())
        let hosted = server.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
        let client = try ZMQActorSystem(settings: testSettings())
        let service = try $TestService<ZMQActorSystem>.resolve(id: hosted.id, using: client)
        try await service.touch()
        let slow = Task { try await service.sleep(milliseconds: 300) }
        try await Task.sleep(for: .milliseconds(100))
        await server.shutdown()
        try await slow.value
        let refused = await #expect(throws: RemoteCallError.self) { try await service.touch() }
        #expect(refused?.code == .nodeDown || refused?.code == .shutDown, "\(String(describing: refused))")
        await client.shutdown()
    }

    @Test func callsAfterShutdownFailClearly() async throws {
        let server = try ZMQActorSystem(settings: testSettings())
        let hosted = server.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
        let client = try ZMQActorSystem(settings: testSettings())
        let service = try $TestService<ZMQActorSystem>.resolve(id: hosted.id, using: client)
        #expect(try await service.echo("x") == "x")
        await client.shutdown()
        let error = await #expect(throws: RemoteCallError.self) { try await service.echo("y") }
        #expect(error?.code == .shutDown)
        await server.shutdown()
    }
}
