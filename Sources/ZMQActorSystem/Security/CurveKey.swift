import ZeroMQ

/// A CURVE public key: how the nodes of a deployment recognise each other.
///
/// Written as 40 characters of Z85 text (ZeroMQ RFC 32) in key files and allow-lists. Keys are
/// kept in their canonical text, so two spellings of the same key compare equal.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The key's canonical Z85 text.
    public let z85: String

    /// A key from its Z85 text.
    /// - Throws: `SecurityError` when the text is not 40 characters of Z85.
    public init(z85 text: String) throws(SecurityError) {
        guard let bytes = Curve.decode(text), let canonical = Curve.encode(bytes) else {
            throw SecurityError("'\(text.prefix(60))' is not a CURVE key: expected 40 characters of Z85 text")
        }
        z85 = canonical
    }

    /// The key a ZAP request carries as the client's credentials (32 bytes), or nil.
    init?(bytes: [UInt8]) {
        guard let text = Curve.encode(bytes) else { return nil }
        z85 = text
    }

    public var description: String { z85 }
}

/// A node's CURVE key pair: the secret key proves the node is who its public key says.
///
/// One pair serves both of a node's roles: its listening socket is a CURVE server with it, and
/// its connections to other nodes are CURVE clients with it, so a node that connected to this
/// one has proven the key this one needs to connect back. The secret key is never printed.
public struct CurveKeyPair: Sendable, CustomStringConvertible {
    /// The public half, which other nodes list in their allow-lists or trust as a server key.
    public let publicKey: CurveKey
    /// The secret half as Z85 text, handed only to libzmq and to the key file.
    let secretKey: String

    /// A new random key pair.
    public static func generate() throws -> CurveKeyPair {
        let (publicKey, secretKey) = try Curve.keyPair()
        return CurveKeyPair(publicKey: try CurveKey(z85: publicKey), secretKey: secretKey)
    }

    /// The key pair of a secret key given as Z85 text; the public key is derived from it.
    /// - Throws: `SecurityError` when the text is not a Z85 key (without repeating the text).
    public init(secretKey: String) throws(SecurityError) {
        guard let publicText = try? Curve.publicKey(forSecretKey: secretKey), let publicKey = try? CurveKey(z85: publicText) else {
            throw SecurityError("the secret key is not 40 characters of Z85 text")
        }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }

    private init(publicKey: CurveKey, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public var description: String { "CURVE key pair \(publicKey) (secret key not shown)" }
}
