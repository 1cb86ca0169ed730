import Distributed
import Foundation
import Testing
@testable import ZMQActorSystem
import ZMQTestSupport

/// Key files for a test deployment, written as `fulmen keygen` writes them.
struct TestKeys {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-keys-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A new key pair and the path of its secret key file.
    func make(_ name: String) throws -> (pair: CurveKeyPair, secretFile: String) {
        let pair = try CurveKeyPair.generate()
        try pair.write(secretKeyFile: "\(directory)/\(name).key", publicKeyFile: "\(directory)/\(name).pub", name: name)
        return (pair, "\(directory)/\(name).key")
    }

    /// Writes an allow-list file naming `keys` (replacing it atomically); answers its path.
    @discardableResult
    func allow(_ keys: [CurveKey], file: String = "allowed-keys") throws -> String {
        let path = "\(directory)/\(file)"
        try keys.map { "\($0.z85)\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// CURVE between this test process and `ZMQTestNode` processes: who gets calls executed, and
/// what everyone else is told.
@Suite("Security", .serialized)
struct SecurityTests {
    /// A node of this process calling `node` with `keyPair`, trusting `serverKey` for it.
    func client(_ keyPair: CurveKeyPair, calling node: TestNodeProcess, serverKey: CurveKey, allowing: [CurveKey] = [])
        throws -> (system: ZMQActorSystem, service: $TestService<ZMQActorSystem>)
    {
        let system = try ZMQActorSystem(settings: testSettings {
            $0.security = .init(keyPair: keyPair, allowList: AllowList(allowing), serverKeys: [node.endpoint: serverKey])
        })
        return (system, try $TestService<ZMQActorSystem>.resolve(id: node.service, using: system))
    }

    @Test func onlyANodeWithAnAllowedKeyGetsItsCallsExecuted() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let server = try keys.make("server"), friend = try keys.make("friend"), intruder = try keys.make("intruder")
        let allowList = try keys.allow([friend.pair.publicKey])
        let node = try await TestNodeProcess(arguments: ["--key", server.secretFile, "--allow", allowList])

        let (friendly, service) = try client(
            friend.pair, calling: node, serverKey: server.pair.publicKey, allowing: [server.pair.publicKey])
        try await service.note("from friend")
        #expect(try await service.processID() == node.pid)
        // The node calls back with the key the friend's connection proved; the friend admits it.
        let local = TestServiceActor(actorSystem: friendly)
        #expect(try await service.callBack(local.id, text: "over CURVE") == "called back: over CURVE")

        let (hostile, refused) = try client(intruder.pair, calling: node, serverKey: server.pair.publicKey)
        let started = ContinuousClock.now
        let error = await #expect(throws: RemoteCallError.self) {
            try await CallOptions.withTimeout(.seconds(30)) { try await refused.note("from intruder") }
        }
        #expect(error?.code == .nodeDown)
        #expect(
            error?.message.contains("refused this node's key \(intruder.pair.publicKey): it is not on that node's allow-list") == true,
            "\(String(describing: error))")
        // The refusal, not a deadline, ended the call.
        #expect(ContinuousClock.now - started < .seconds(10))
        let again = await #expect(throws: RemoteCallError.self) { try await refused.echo("again") }
        #expect(again?.message.contains("allow-list") == true, "\(String(describing: again))")
        // It learned nothing about the node, not even that it lives.
        #expect(hostile.state.withLock { $0.peers[node.endpoint]?.liveIncarnation } == nil)

        #expect(try await service.notes() == ["from friend"])
        await hostile.shutdown()
        await friendly.shutdown()
    }

    @Test func plainTextAndWrongServerKeysGetNothingDone() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let server = try keys.make("server"), friend = try keys.make("friend")
        let node = try await TestNodeProcess(arguments: ["--key", server.secretFile, "--allow", try keys.allow([friend.pair.publicKey])])

        let plain = try ZMQActorSystem(settings: testSettings())
        let plainService = try $TestService<ZMQActorSystem>.resolve(id: node.service, using: plain)
        let plainError = await #expect(throws: RemoteCallError.self) { try await plainService.note("plain text") }
        #expect(plainError?.code == .nodeDown)
        #expect(
            plainError?.message.contains("CURVE encryption, and this node has no key") == true,
            "\(String(describing: plainError))")

        // The friend's key, but a wrong idea of the server's: the server cannot read its handshake.
        let impostorKey = try CurveKeyPair.generate().publicKey
        let (misled, misledService) = try client(friend.pair, calling: node, serverKey: impostorKey)
        let misledError = await #expect(throws: RemoteCallError.self) { try await misledService.note("wrong server key") }
        #expect(misledError?.code == .nodeDown)
        #expect(
            misledError?.message.contains("ended the CURVE handshake: either \(impostorKey) is not its public key, or it speaks plain text") == true,
            "\(String(describing: misledError))")

        // A CURVE client and a plain-text server do not talk either.
        let plainNode = try await TestNodeProcess()
        let (secure, secureService) = try client(friend.pair, calling: plainNode, serverKey: server.pair.publicKey)
        let secureError = await #expect(throws: RemoteCallError.self) { try await secureService.note("to plain text") }
        // The server hangs up at once, or says why first: either way the message names plain text.
        #expect(secureError?.code == .nodeDown)
        #expect(secureError?.message.contains("plain text") == true, "\(String(describing: secureError))")
        #expect(try await $TestService<ZMQActorSystem>.resolve(id: plainNode.service, using: plain).notes() == [])

        let (_, service) = try client(friend.pair, calling: node, serverKey: server.pair.publicKey)
        #expect(try await service.notes() == [])
        await secure.shutdown()
        await misled.shutdown()
        await plain.shutdown()
    }

    @Test func aKeyAddedToTheAllowListFileIsAdmittedWithoutARestart() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let server = try keys.make("server"), newcomer = try keys.make("newcomer")
        let node = try await TestNodeProcess(arguments: ["--key", server.secretFile, "--allow", try keys.allow([])])
        let (system, service) = try client(newcomer.pair, calling: node, serverKey: server.pair.publicKey)
        await #expect(throws: RemoteCallError.self) { try await service.touch() }

        try keys.allow([newcomer.pair.publicKey])
        // libzmq retries the handshake by itself, about once a second.
        let admitted = await eventually(timeout: .seconds(15)) { (try? await service.processID()) == node.pid }
        #expect(admitted)
        await system.shutdown()
    }

    @Test func aNodeWhoseKeyIsUnknownCannotBeCalled() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let server = try keys.make("server")
        let node = try await TestNodeProcess(arguments: ["--key", server.secretFile, "--allow", try keys.allow([])])
        let system = try ZMQActorSystem(settings: testSettings { $0.security = .init(keyPair: try! CurveKeyPair.generate()) })
        let service = try $TestService<ZMQActorSystem>.resolve(id: node.service, using: system)
        let error = await #expect(throws: RemoteCallError.self) { try await service.touch() }
        #expect(error?.code == .nodeDown)
        #expect(error?.message.contains("no CURVE public key is known for \(node.endpoint)") == true, "\(String(describing: error))")
        await system.shutdown()
    }

    @Test func aCallCarriesItsCallersKeyAndAllowListLineAsTheyAreWhenItArrives() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let server = try keys.make("server"), friend = try keys.make("friend")
        let allowList = "\(keys.directory)/allowed-keys"
        func allow(_ line: String) throws { try line.write(toFile: allowList, atomically: true, encoding: .utf8) }
        try allow("\(friend.pair.publicKey) friend role=runner\n")
        let serverSystem = try ZMQActorSystem(settings: testSettings {
            $0.security = .init(keyPair: server.pair, allowList: try! AllowList(file: allowList))
        })
        let echo = serverSystem.makeWellKnown("echo") { CallerKeyEcho(actorSystem: $0) }
        let client = try ZMQActorSystem(settings: testSettings {
            $0.security = .init(keyPair: friend.pair, serverKeys: [serverSystem.node.endpoint: server.pair.publicKey])
        })
        let remote = try CallerKeyEcho.resolve(id: .wellKnown("echo", at: serverSystem.node.endpoint), using: client)

        #expect(try await remote.callerKey() == "\(friend.pair.publicKey) friend role=runner")
        // The open connection's calls see the line change, then go.
        try allow("\(friend.pair.publicKey) friend role=trainer\n")
        #expect(try await eventually { try await remote.callerKey() == "\(friend.pair.publicKey) friend role=trainer" })
        try allow("")
        #expect(try await eventually { try await remote.callerKey() == friend.pair.publicKey.z85 }, "a key taken off the list kept its line")
        // A call made on the node itself carries no key, and neither does one between plain-text nodes.
        #expect(try await echo.callerKey() == nil)
        let plainServer = try ZMQActorSystem(settings: testSettings())
        let plainEcho = plainServer.makeWellKnown("echo") { CallerKeyEcho(actorSystem: $0) }
        let plainClient = try ZMQActorSystem(settings: testSettings())
        #expect(try await CallerKeyEcho.resolve(id: .wellKnown("echo", at: plainServer.node.endpoint), using: plainClient).callerKey() == nil)
        for system in [client, serverSystem, plainClient, plainServer] { await system.shutdown() }
        _ = (echo, plainEcho)
    }
}

/// Answers the key, and the allow-list line, that the actor system gives the call it runs: the line
/// as the list writes it, the bare key when the key has none, nil when the call carries no key.
distributed actor CallerKeyEcho {
    typealias ActorSystem = ZMQActorSystem

    distributed func callerKey() -> String? {
        ZMQActorSystem.currentCallerKey.map { $0.entry?.line(for: $0.key) ?? $0.key.z85 }
    }
}
