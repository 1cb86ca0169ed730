import ArgumentParser
import Foundation
import FulmenCore
import ZMQActorSystem

extension Fulmen {
    /// Makes a CurveZMQ key pair for a node.
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a CurveZMQ key pair for a node: NAME.key (secret, mode 0600) and NAME.pub (public).",
            discussion: """
                Give the secret key to the node (--key NAME.key), and its public key to the nodes that \
                must know it: every allow-list it connects to (cat *.pub > allowed-keys), and, for the \
                store, to whoever calls it (--store-key store.pub). --role writes the key's role into \
                NAME.pub, which the store's allow-list then gives it: a key without one may call \
                nothing on the store. See deploy/README.md, "Keys".

                Example:
                  fulmen keygen store --directory /etc/fulmen
                  fulmen keygen runner-1 --role runner --directory /etc/fulmen
                """
        )

        @Argument(help: "The node's name: the files' names, and the name beside the key in allow-lists.")
        var name: String

        @Option(help: "Where to write the files; made (mode 0700) if it does not exist.")
        var directory = "."

        @Option(
            help: "The key's role on the store: runner, trainer, control (the control commands) or admin.",
            transform: { written in
                guard let role = StoreRole(rawValue: written) else {
                    throw ValidationError("--role: '\(written)' is none of \(StoreRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return role
            })
        var role: StoreRole?

        @Flag(help: "Replace existing key files (nodes holding the old key are refused once allow-lists drop it).")
        var force = false

        func validate() throws {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
            guard !name.isEmpty, name.allSatisfy(allowed.contains), !name.hasPrefix(".") else {
                throw ValidationError("the name '\(name)' must be letters, digits, '-', '_' or '.', and not start with '.'")
            }
        }

        func run() async throws {
            let base = URL(fileURLWithPath: directory, isDirectory: true)
            let secretFile = base.appendingPathComponent("\(name).key").path
            let publicFile = base.appendingPathComponent("\(name).pub").path
            if !force, let existing = [secretFile, publicFile].first(where: { FileManager.default.fileExists(atPath: $0) }) {
                throw ValidationError("\(existing) already exists; pass --force to replace the key pair")
            }
            let pair = try CurveKeyPair.generate()
            do {
                try FileManager.default.createDirectory(
                    at: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try pair.write(
                    secretKeyFile: secretFile, publicKeyFile: publicFile, name: name,
                    attributes: role.map { [StoreRole.attribute: $0.rawValue] } ?? [:], replacing: force)
            } catch {
                throw ValidationError("\(error)")
            }
            let entry = AllowList.Entry(name: name, attributes: role.map { [StoreRole.attribute: $0.rawValue] } ?? [:])
            print("wrote \(secretFile) (secret, mode 0600) and \(publicFile)")
            print("public key: \(entry.line(for: pair.publicKey))")
            if role == nil { print("no --role: on a store's allow-list this key may call nothing on the store") }
        }
    }
}
