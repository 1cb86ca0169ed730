import Distributed
import Foundation
import Glibc
import Testing
@testable import ZMQActorSystem
import ZMQTestSupport

/// A protocol the test node does not implement, for calling a method it does not have.
@Resolvable
protocol UnknownService: DistributedActor where ActorSystem: DistributedActorSystem<any Codable> {
    distributed func missing() -> Int
}

/// Calls between this test process and `ZMQTestNode` processes over loopback TCP.
@Suite("Two processes", .serialized)
struct TwoProcessTests {
    @Test func callsReachAnotherProcessAndBack() async throws {
        let node = try await TestNodeProcess()
        let system = try ZMQActorSystem(settings: testSettings())
        let service = try $TestService<ZMQActorSystem>.resolve(id: node.service, using: system)

        #expect(try await service.processID() == node.pid)
        #expect(try await service.add(2, 3) == 5)
        #expect(try await service.sum([Float](repeating: 0.5, count: 1 << 20)) == 524_288)
        let concrete = try TestServiceActor.resolve(id: node.service, using: system)
        #expect(try await concrete.identity(["generic": 1]) == ["generic": 1])
        try await service.touch()

        let thrown = await #expect(throws: RemoteError.self) { try await service.fail("remote") }
        #expect(thrown?.decode(as: TestFailure.self) == TestFailure(message: "remote"))

        let local = TestServiceActor(actorSystem: system)
        #expect(try await service.callBack(local.id, text: "hi") == "called back: hi")

        let late = await #expect(throws: RemoteCallError.self) {
            try await CallOptions.withTimeout(.milliseconds(150)) { try await service.sleep(milliseconds: 2000) }
        }
        #expect(late?.code == .deadlineExceeded)

        let nobody = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("nobody", at: node.endpoint), using: system)
        #expect(await #expect(throws: RemoteCallError.self) { try await nobody.touch() }?.code == .unknownActor)

        let unknown = try $UnknownService<ZMQActorSystem>.resolve(id: node.service, using: system)
        #expect(await #expect(throws: RemoteCallError.self) { _ = try await unknown.missing() }?.code == .unknownMethod)

        #expect(try await service.echo("still serving") == "still serving")
        await system.shutdown()
    }

    @Test func killedPeerFailsPendingCallsFastAndTellsWatchers() async throws {
        let node = try await TestNodeProcess()
        let system = try ZMQActorSystem(settings: testSettings { $0.heartbeatTimeout = .seconds(30) })
        let service = try $TestService<ZMQActorSystem>.resolve(id: node.service, using: system)
        #expect(try await service.processID() == node.pid)

        let watched = ActorAddress(endpoint: node.endpoint, incarnation: node.incarnation, name: "service")
        let terminated = Recorder<ActorAddress>()
        system.watch(watched) { terminated.record($0) }
        let nodeDown = Recorder<NodeID>()
        let peer = NodeID(endpoint: node.endpoint, incarnation: node.incarnation)
        system.watch(node: peer) { nodeDown.record($0) }
        let events = system.nodeEvents()

        let call = Task { try await CallOptions.withTimeout(.seconds(60)) { try await service.sleep(milliseconds: 50_000) } }
        try await Task.sleep(for: .milliseconds(200))
        let killedAt = ContinuousClock.now
        node.kill()

        let error = await #expect(throws: RemoteCallError.self) { try await call.value }
        #expect(error?.code == .nodeDown)
        // The connection's end, not the 60 s deadline nor the 30 s heartbeat timeout, ended the call.
        #expect(ContinuousClock.now - killedAt < .seconds(15))
        #expect(terminated.all == [watched])
        #expect(nodeDown.all == [peer])
        // The stream may first report the node coming up (its first pong may follow the first reply).
        var down: NodeID?
        for await event in events {
            if case let .down(node, _) = event {
                down = node
                break
            }
        }
        #expect(down == peer)

        let fast = ContinuousClock.now
        #expect(await #expect(throws: RemoteCallError.self) { try await service.touch() }?.code == .nodeDown)
        #expect(ContinuousClock.now - fast < .seconds(15))
        await system.shutdown()
    }

    @Test func restartedPeerServesAgainWithoutRestartingTheCaller() async throws {
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let first = try await TestNodeProcess(bind: endpoint)
        let system = try ZMQActorSystem(settings: testSettings())
        let service = try $TestService<ZMQActorSystem>.resolve(id: first.service, using: system)
        let firstLife = try $TestService<ZMQActorSystem>.resolve(
            id: ActorAddress(endpoint: endpoint, incarnation: first.incarnation, name: "service"), using: system)
        #expect(try await service.processID() == first.pid)
        first.kill()

        let second = try await TestNodeProcess(bind: endpoint)
        var answeredBy: Int32?
        let giveUp = ContinuousClock.now + .seconds(10)
        while answeredBy == nil, ContinuousClock.now < giveUp {
            answeredBy = try? await service.processID()
            if answeredBy == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(answeredBy == second.pid)
        let stale = await #expect(throws: RemoteCallError.self) { try await firstLife.touch() }
        #expect(stale?.code == .staleIncarnation)
        await system.shutdown()
    }

    @Test func aPeerThatNeverAnswersIsReportedDown() async throws {
        let system = try ZMQActorSystem(settings: testSettings { $0.heartbeatTimeout = .milliseconds(500) })
        let nowhere = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let service = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("service", at: nowhere), using: system)
        let started = ContinuousClock.now
        let error = await #expect(throws: RemoteCallError.self) {
            try await CallOptions.withTimeout(.seconds(60)) { try await service.touch() }
        }
        #expect(error?.code == .nodeDown)
        #expect(ContinuousClock.now - started < .seconds(30))
        await system.shutdown()
    }
}
