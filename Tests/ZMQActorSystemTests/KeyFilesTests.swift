import Foundation
import Glibc
import Testing
@testable import ZMQActorSystem

/// Key files and allow-lists as `fulmen keygen` writes them and nodes read them.
@Suite("Key files")
struct KeyFilesTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func mode(_ path: String) -> mode_t {
        var status = stat()
        stat(path, &status)
        return status.st_mode & 0o777
    }

    @Test func aWrittenKeyPairReadsBackWithAPrivateSecretFile() throws {
        let pair = try CurveKeyPair.generate()
        let secret = "\(directory)/node.key", pub = "\(directory)/node.pub"
        try pair.write(secretKeyFile: secret, publicKeyFile: pub, name: "node")
        #expect(mode(secret) == 0o600)
        #expect(mode(pub) == 0o644)
        #expect(try CurveKeyPair(secretKeyFile: secret).publicKey == pair.publicKey)
        #expect(try CurveKey(publicKeyFile: pub) == pair.publicKey)
        #expect(try String(contentsOfFile: pub, encoding: .utf8) == "\(pair.publicKey) node\n")
        // The public key file is an allow-list line.
        #expect(try AllowList.read(file: pub) == [pair.publicKey: AllowList.Entry(name: "node")])
        #expect(!"\(pair)".contains(pair.secretKey))

        // With attributes, the line carries them too, and still reads back as the key's entry.
        let withRole = "\(directory)/worker.pub"
        try pair.write(secretKeyFile: "\(directory)/worker.key", publicKeyFile: withRole, name: "worker", attributes: ["role": "runner"])
        #expect(try String(contentsOfFile: withRole, encoding: .utf8) == "\(pair.publicKey) worker role=runner\n")
        #expect(try AllowList.read(file: withRole) == [pair.publicKey: AllowList.Entry(name: "worker", attributes: ["role": "runner"])])
    }

    @Test func existingKeyFilesAreReplacedOnlyWhenAsked() throws {
        let secret = "\(directory)/node.key", pub = "\(directory)/node.pub"
        let first = try CurveKeyPair.generate()
        try first.write(secretKeyFile: secret, publicKeyFile: pub, name: "node")
        let second = try CurveKeyPair.generate()
        let refused = #expect(throws: SecurityError.self) {
            try second.write(secretKeyFile: secret, publicKeyFile: pub, name: "node")
        }
        #expect(refused?.description == "\(secret) already exists")
        #expect(try CurveKeyPair(secretKeyFile: secret).publicKey == first.publicKey)

        chmod(secret, 0o644)
        try second.write(secretKeyFile: secret, publicKeyFile: pub, name: "node", replacing: true)
        #expect(mode(secret) == 0o600)
        #expect(try CurveKeyPair(secretKeyFile: secret).publicKey == second.publicKey)
        #expect(try CurveKey(publicKeyFile: pub) == second.publicKey)
    }

    @Test func aSecretKeyFileOthersCanReadIsRefused() throws {
        let secret = "\(directory)/open.key"
        try CurveKeyPair.generate().write(secretKeyFile: secret, publicKeyFile: "\(directory)/open.pub", name: "open")
        chmod(secret, 0o644)
        let error = #expect(throws: SecurityError.self) { try CurveKeyPair(secretKeyFile: secret) }
        #expect(error?.description == "secret key file \(secret) is open to other users (mode 644); run: chmod 600 \(secret)")
        chmod(secret, 0o660)
        #expect(throws: SecurityError.self) { try CurveKeyPair(secretKeyFile: secret) }
        // Readable by its group only, as a Kubernetes secret with `defaultMode: 0440` and an `fsGroup`.
        chmod(secret, 0o440)
        #expect(throws: Never.self) { try CurveKeyPair(secretKeyFile: secret) }
    }

    @Test func badKeysAndFilesAreNamed() throws {
        #expect(throws: SecurityError.self) { try CurveKey(z85: "short") }
        #expect(throws: SecurityError.self) { try CurveKeyPair(secretKey: String(repeating: "~", count: 40)) }
        let missing = #expect(throws: SecurityError.self) { try CurveKeyPair(secretKeyFile: "\(directory)/none.key") }
        #expect(missing?.description == "cannot read secret key file \(directory)/none.key: No such file or directory")

        let secret = "\(directory)/bad.key"
        let leaked = "0123456789012345678901234567890123456789x"
        _ = FileManager.default.createFile(atPath: secret, contents: Data("# comment\n\n\(leaked)\n".utf8), attributes: [.posixPermissions: 0o600])
        let bad = #expect(throws: SecurityError.self) { try CurveKeyPair(secretKeyFile: secret) }
        #expect(bad?.description == "secret key file \(secret), line 3: the secret key is not 40 characters of Z85 text")
        #expect(bad?.description.contains(leaked) == false, "an error message repeated a secret")

        let empty = "\(directory)/empty.pub"
        _ = FileManager.default.createFile(atPath: empty, contents: Data("# nothing\n".utf8))
        #expect(#expect(throws: SecurityError.self) { try CurveKey(publicKeyFile: empty) }?.description == "public key file \(empty) holds no key")
    }

    @Test func allowListsSkipCommentsAndNameTheBadLine() throws {
        let a = try CurveKeyPair.generate().publicKey, b = try CurveKeyPair.generate().publicKey
        let path = "\(directory)/allowed-keys"
        try "# lab\n\n  \(a) store  \n\(b)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try AllowList.read(file: path) == [a: AllowList.Entry(name: "store"), b: AllowList.Entry(name: "")])

        // Words with '=' are attributes wherever they stand; the other words make the name.
        try "\(a) role=admin lab store  zone=eu\n\(b) runner 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try AllowList.read(file: path) == [
            a: AllowList.Entry(name: "lab store", attributes: ["role": "admin", "zone": "eu"]),
            b: AllowList.Entry(name: "runner 2"),
        ])
        try "\(a) store role=runner role=admin\n".write(toFile: path, atomically: true, encoding: .utf8)
        let twice = #expect(throws: SecurityError.self) { try AllowList.read(file: path) }
        #expect(twice?.description == "allow-list \(path), line 1: 'role' is given twice")

        try "\(a) store\nnot-a-key runner\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: SecurityError.self) { try AllowList(file: path) }
        #expect(error?.description == "allow-list \(path), line 2: 'not-a-key' is not a CURVE key: expected 40 characters of Z85 text")
    }
}
