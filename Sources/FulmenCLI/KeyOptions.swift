import ArgumentParser
import ZMQActorSystem

/// The CurveZMQ options of every command that runs a node: its key, whom it admits, and the
/// store's public key.
///
/// Without `--key` the node speaks plain text, as on a single host or in tests. With it, every
/// connection is encrypted and authenticated: see deploy/README.md, "Keys".
struct KeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "This node's secret key file, from `fulmen keygen` (mode 0600); turns on CurveZMQ encryption and authentication.",
        valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp(
        "The allow-list: public keys of the nodes that may connect to this one, one per line (re-read when it changes).",
        valueName: "file"))
    var allow: String?

    @Option(help: ArgumentHelp("The store's public key file (with --key, to call the store).", valueName: "file"))
    var storeKey: String?

    func validate() throws {
        if key == nil, let given = allow.map({ _ in "--allow" }) ?? storeKey.map({ _ in "--store-key" }) {
            throw ValidationError("\(given) needs --key: without a key this node speaks plain text")
        }
    }

    /// The security settings these options ask for, or nil for plain text.
    ///
    /// - Parameters:
    ///   - listening: whether other nodes connect to this one (the store, runners), which then
    ///     needs an allow-list.
    ///   - store: the endpoint of the store this node calls, if it calls one.
    /// - Throws: `ValidationError` naming the option and the file that cannot be used.
    func security(listening: Bool, store: String?) throws -> ZMQActorSystem.Security? {
        guard let key else { return nil }
        if listening, allow == nil {
            throw ValidationError("--key needs --allow here: other nodes connect to this one, and without an allow-list none could")
        }
        if store != nil, storeKey == nil {
            throw ValidationError("--key needs --store-key: the store's public key, to know it is the store this node talks to")
        }
        if store == nil, storeKey != nil {
            throw ValidationError("--store-key is for nodes that call a store; this command does not")
        }
        do {
            var security = ZMQActorSystem.Security(keyPair: try CurveKeyPair(secretKeyFile: key))
            if let allow { security.allowList = try AllowList(file: allow) }
            if let store, let storeKey { security.serverKeys[store] = try CurveKey(publicKeyFile: storeKey) }
            return security
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
