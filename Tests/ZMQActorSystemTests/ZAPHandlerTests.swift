import Foundation
import Testing
import ZeroMQ
@testable import ZMQActorSystem

/// The decisions behind a node's ZAP handler, request by request, without sockets.
@Suite("ZAP handler")
struct ZAPHandlerTests {
    let own = try! CurveKeyPair.generate().publicKey
    let friend = try! CurveKeyPair.generate().publicKey
    let stranger = try! CurveKeyPair.generate().publicKey

    /// A ZAP 1.0 request as libzmq sends it for a CURVE client with `key`.
    func request(_ key: CurveKey, id: String = "7", mechanism: String = "CURVE", version: String = "1.0") -> [[UInt8]] {
        [Array(version.utf8), Array(id.utf8), [], Array("127.0.0.1".utf8), [], Array(mechanism.utf8), Curve.decode(key.z85)!]
    }

    func status(_ answer: ZAPHandler.Answer) -> String { String(decoding: answer.reply[2], as: UTF8.self) }

    @Test func allowedKeysAndTheNodesOwnAreAdmittedWithTheKeyAsUserID() {
        var handler = ZAPHandler(allowList: AllowList([friend]), ownKey: own)
        let admitted = handler.answer(request(friend, id: "42"))
        #expect(admitted.reply.count == 6)
        #expect(admitted.reply[0] == Array("1.0".utf8))
        #expect(admitted.reply[1] == Array("42".utf8))
        #expect(status(admitted) == "200")
        #expect(admitted.reply[4] == Array(friend.z85.utf8))
        #expect(admitted.reply[5] == [])
        #expect(admitted.decision == .admitted(friend, name: ""))
        #expect(admitted.address == "127.0.0.1")
        #expect(handler.answer(request(own)).decision == .admitted(own, name: "this node"))
    }

    @Test func otherKeysAreRefused() {
        var handler = ZAPHandler(allowList: AllowList([friend]), ownKey: own)
        let refused = handler.answer(request(stranger))
        #expect(status(refused) == "400")
        #expect(refused.reply[4] == [])
        #expect(refused.decision == .refused(stranger))
    }

    @Test func malformedRequestsAndOtherMechanismsAreRefused() {
        var handler = ZAPHandler(allowList: AllowList([friend]), ownKey: own)
        let short = handler.answer([Array("1.0".utf8), Array("1".utf8)])
        #expect(status(short) == "500")
        #expect(short.reply[1] == Array("1".utf8))
        #expect(status(handler.answer([])) == "500")
        #expect(status(handler.answer(request(friend, version: "2.0"))) == "500")
        #expect(handler.answer(request(friend, mechanism: "NULL")).decision == .malformed("a NULL handshake; this node accepts only CURVE"))
        var badCredentials = request(friend)
        badCredentials[6] = [1, 2, 3]
        #expect(status(handler.answer(badCredentials)) == "500")
    }

    @Test func anAllowListFileIsReadAgainWhenItChangesAndABrokenOneAdmitsNobody() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("allow-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "\(friend) friend\n".write(toFile: path, atomically: true, encoding: .utf8)
        var handler = ZAPHandler(allowList: try AllowList(file: path), ownKey: own)
        #expect(handler.loadError == nil)
        let first = handler.answer(request(friend))
        #expect(first.decision == .admitted(friend, name: "friend"))
        #expect(first.reload == nil)
        #expect(handler.answer(request(stranger)).decision == .refused(stranger))

        // `atomically` renames a new file into place: a new inode, as a Kubernetes secret update makes.
        try "\(stranger) newcomer\n".write(toFile: path, atomically: true, encoding: .utf8)
        let rotated = handler.answer(request(stranger))
        #expect(rotated.decision == .admitted(stranger, name: "newcomer"))
        #expect((try? rotated.reload?.get()) == 1)
        #expect(handler.answer(request(friend)).decision == .refused(friend))

        try "\(friend)\nbroken line\n".write(toFile: path, atomically: true, encoding: .utf8)
        let broken = handler.answer(request(friend))
        #expect(broken.decision == .refused(friend))
        #expect(handler.loadError?.description.contains("line 2") == true)
        #expect(handler.answer(request(own)).decision == .admitted(own, name: "this node"))
    }
}
