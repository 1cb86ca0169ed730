import Foundation
import Glibc
import Testing
import ZMQTestSupport

/// `fulmen keygen`, and a `fulmen store` with CurveZMQ keys that lets only allowed keys change it.
@Suite("Store: keys", .serialized)
struct StoreSecurityTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fulmen-keys-\(UUID().uuidString)").path
    let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/calc.yaml").path

    func keygen(_ name: String, _ extra: [String] = []) async throws -> (status: Int32, output: String, errors: String) {
        try await runToEnd("fulmen", arguments: ["keygen", name, "--directory", directory] + extra)
    }

    func publicKey(_ name: String) throws -> String {
        String(try String(contentsOfFile: "\(directory)/\(name).pub", encoding: .utf8).prefix(40))
    }

    @Test func keygenWritesAKeyPairAndReplacesItOnlyWhenForced() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let made = try await keygen("runner-1")
        #expect(made.status == 0, "\(made.errors)")
        let key = try publicKey("runner-1")
        #expect(made.output.contains("public key: \(key) runner-1\n"))
        #expect(made.output.contains("no --role: on a store's allow-list this key may call nothing on the store"))
        var status = stat()
        stat("\(directory)/runner-1.key", &status)
        #expect(status.st_mode & 0o777 == 0o600)
        stat(directory, &status)
        #expect(status.st_mode & 0o777 == 0o700, "keygen made its directory for secrets only")

        let again = try await keygen("runner-1")
        #expect(again.status != 0)
        #expect(again.errors.contains("\(directory)/runner-1.key already exists; pass --force to replace the key pair"), "\(again.errors)")
        #expect(try publicKey("runner-1") == key)

        let forced = try await keygen("runner-1", ["--force", "--role", "runner"])
        #expect(forced.status == 0, "\(forced.errors)")
        let replaced = try publicKey("runner-1")
        #expect(replaced != key)
        #expect(try String(contentsOfFile: "\(directory)/runner-1.pub", encoding: .utf8) == "\(replaced) runner-1 role=runner\n")
        #expect(forced.output.contains("public key: \(replaced) runner-1 role=runner\n"))

        let badName = try await keygen("../elsewhere")
        #expect(badName.status != 0 && badName.errors.contains("the name '../elsewhere' must be letters, digits"), "\(badName.errors)")
    }

    @Test func onlyAnAllowedKeyMaySubmitOrCancel() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["store", "operator", "intruder"] {
            #expect(try await keygen(name, ["--role", "control"]).status == 0)
        }
        let allowList = "\(directory)/allowed-keys"
        try String(contentsOfFile: "\(directory)/operator.pub", encoding: .utf8).write(toFile: allowList, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(freeLoopbackPort())"
        let store = try await ChildProcess("fulmen", arguments: [
            "store", "--in-memory", "--bind", endpoint, "--log-level", "critical",
            "--key", "\(directory)/store.key", "--allow", allowList,
        ])
        #expect(store.readyLine.hasPrefix("store ready at \(endpoint)"))
        func fulmen(_ arguments: [String], as name: String?) async throws -> (status: Int32, output: String, errors: String) {
            let keys = name.map { ["--key", "\(directory)/\($0).key", "--store-key", "\(directory)/store.pub"] } ?? []
            return try await runToEnd("fulmen", arguments: arguments + ["--store", endpoint] + keys)
        }

        let submitted = try await fulmen(["submit", spec, "--name", "allowed"], as: "operator")
        #expect(submitted.status == 0, "\(submitted.errors)")
        let id = try #require(submitted.output.split(separator: " ").dropFirst().first.map(String.init))

        let intrusion = try await fulmen(["submit", spec, "--name", "intruded"], as: "intruder")
        #expect(intrusion.status != 0)
        #expect(intrusion.errors.contains("refused this node's key \(try publicKey("intruder"))"), "\(intrusion.errors)")
        let sabotage = try await fulmen(["cancel", id], as: "intruder")
        #expect(sabotage.status != 0 && sabotage.errors.contains("not on that node's allow-list"), "\(sabotage.errors)")
        let plain = try await fulmen(["cancel", id], as: nil)
        #expect(plain.status != 0 && plain.errors.contains("CURVE"), "\(plain.errors)")

        // Neither call reached the store: one experiment, still submitted.
        let listed = try await fulmen(["status"], as: "operator")
        #expect(listed.status == 0, "\(listed.errors)")
        let lines = listed.output.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(id) && lines[0].contains("submitted") && lines[0].contains("allowed"), "\(listed.output)")

        let cancelled = try await fulmen(["cancel", id], as: "operator")
        #expect(cancelled.status == 0 && cancelled.output.contains("\(id): cancelled"), "\(cancelled.output) \(cancelled.errors)")

        let half = try await runToEnd("fulmen", arguments: ["status", "--store", endpoint, "--allow", allowList])
        #expect(half.status != 0 && half.errors.contains("--allow needs --key"), "\(half.errors)")
        let noStoreKey = try await runToEnd("fulmen", arguments: ["status", "--store", endpoint, "--key", "\(directory)/operator.key"])
        #expect(noStoreKey.status != 0 && noStoreKey.errors.contains("--key needs --store-key"), "\(noStoreKey.errors)")
        store.kill()
    }
}
