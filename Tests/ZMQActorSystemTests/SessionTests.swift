import Distributed
import Testing
@testable import ZMQActorSystem
import ZMQTestSupport

/// A node that declared a peer down does not run calls the peer made before it learned of that:
/// the node has told its watchers, and the peer has been given up, so such a call's effects
/// would land where nobody expects them.
@Suite("Sessions")
struct SessionTests {
    /// The client's calls to the server pass through a relay that can hold them, as a cut link does.
    /// The client's own failure detection is slow, so that its calls stay pending through the cut.
    func withHeldLink(_ body: (ZMQActorSystem, ZMQActorSystem, $TestService<ZMQActorSystem>, TCPRelay) async throws -> Void) async throws {
        let server = try ZMQActorSystem(settings: testSettings())
        let client = try ZMQActorSystem(settings: testSettings { $0.heartbeatTimeout = .seconds(60) })
        let hosted = server.makeWellKnown("service") { TestServiceActor(actorSystem: $0) }
        let relay = try TCPRelay(to: server.node.endpoint)
        let service = try $TestService<ZMQActorSystem>.resolve(id: .wellKnown("service", at: relay.endpoint), using: client)
        defer { relay.stop() }
        try await shuttingDown(client, server) { try await body(client, server, service, relay) }
        _ = hosted
    }

    @Test func aCallHeldUntilItsCallerWasDeclaredDownIsRefusedUnrun() async throws {
        try await withHeldLink { client, server, service, relay async throws in
            try await service.note("before the cut")
            var events = server.nodeEvents().makeAsyncIterator()
            await relay.hold()
            let held = Task { try await CallOptions.withTimeout(.seconds(30)) { try await service.note("held") } }
            while let event = await events.next() {
                if case let .down(node, _) = event, node == client.node { break }
            }
            relay.release()

            let refused = await #expect(throws: RemoteCallError.self) { try await held.value }
            #expect(refused?.code == .nodeDown)
            #expect(refused?.message.contains("had declared \(client.node) down") == true)
            #expect(refused?.message.contains("did not run") == true)
            // The refusal brought the new session along: the next call runs.
            try await service.note("after the cut")
            #expect(try await service.notes() == ["before the cut", "after the cut"])
        }
    }
}
