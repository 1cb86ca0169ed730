import CZeroMQ

/// CurveZMQ key material: key pairs and the Z85 text form keys are written in.
///
/// CURVE encrypts and authenticates a connection with long-term Curve25519 keys: a server
/// socket has a secret key, a client knows the server's public key and proves its own key pair.
/// Keys are 32 bytes; their Z85 text form (ZeroMQ RFC 32) is 40 printable characters.
public enum Curve {
    /// The length of a key in bytes.
    public static let keyLength = 32
    /// The length of a key in Z85 text.
    public static let textLength = 40

    /// Whether this libzmq was built with CURVE (it needs libsodium or its own tweetnacl).
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// A new random key pair, as Z85 text.
    public static func keyPair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: textLength + 1)
        var secretKey = [CChar](repeating: 0, count: textLength + 1)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError("zmq_curve_keypair") }
        return (text(publicKey), text(secretKey))
    }

    /// The public key that belongs to a secret key given as Z85 text.
    public static func publicKey(forSecretKey secretKey: String) throws(ZMQError) -> String {
        guard decode(secretKey) != nil else { throw ZMQError("zmq_curve_public: not a Z85 key", code: EINVAL) }
        var publicKey = [CChar](repeating: 0, count: textLength + 1)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { throw ZMQError("zmq_curve_public") }
        return text(publicKey)
    }

    /// The 32 bytes a 40-character Z85 text stands for, or nil when it is not one.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count == textLength else { return nil }
        var bytes = [UInt8](repeating: 0, count: keyLength)
        let decoded = bytes.withUnsafeMutableBufferPointer { zmq_z85_decode($0.baseAddress, text) }
        return decoded == nil ? nil : bytes
    }

    /// The Z85 text of a 32-byte key.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count == keyLength else { return nil }
        var text = [CChar](repeating: 0, count: textLength + 1)
        guard zmq_z85_encode(&text, bytes, bytes.count) != nil else { return nil }
        return Self.text(text)
    }

    private static func text(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
