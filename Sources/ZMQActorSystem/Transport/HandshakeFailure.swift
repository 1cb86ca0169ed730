import CZeroMQ
import ZeroMQ

/// Why a connection failed its ZMTP handshake, in words that say what to fix.
struct HandshakeFailure: CustomStringConvertible {
    let description: String

    /// A failure of this node's connection to a peer, as its monitor reported it.
    init(outbound event: MonitorEvent, to connection: DealerConnection) {
        let endpoint = connection.endpoint
        if event.kind.contains(.handshakeFailedAuth) {
            let key = connection.curve.map { " \($0.keyPair.publicKey)" } ?? ""
            description = event.value == 400
                ? "\(endpoint) refused this node's key\(key): it is not on that node's allow-list"
                : "\(endpoint) refused this node (ZAP status \(event.value))"
        } else if event.kind.contains(.handshakeFailedProtocol), event.value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH {
            description = connection.curve == nil
                ? "\(endpoint) requires CURVE encryption, and this node has no key (it speaks plain text)"
                : "\(endpoint) speaks plain text, and this node requires CURVE encryption"
        } else if event.kind.contains(.handshakeFailedProtocol) {
            description = "the handshake with \(endpoint) failed: ZMTP protocol error 0x\(String(UInt32(bitPattern: event.value), radix: 16))"
        } else if let curve = connection.curve {
            // The server hangs up without a word when it cannot decrypt the client's hello or
            // speaks plain text; the client cannot tell which.
            description = "\(endpoint) ended the CURVE handshake: either \(curve.serverKey) is not its public key, or it speaks plain text"
        } else {
            description = "\(endpoint) ended the handshake: it may require CURVE encryption, and this node has no key (it speaks plain text)"
        }
    }

    /// A failure of a connection to this node's listening socket.
    init(inbound event: MonitorEvent, secure: Bool) {
        if event.kind.contains(.handshakeFailedProtocol), event.value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH {
            description = secure
                ? "the peer speaks plain text; this node requires CURVE"
                : "the peer uses CURVE; this node speaks plain text"
        } else if event.kind.contains(.handshakeFailedProtocol), event.value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC {
            description = "the peer's CURVE handshake could not be decrypted: it holds a wrong public key for this node"
        } else {
            description = "ZMTP protocol error 0x\(String(UInt32(bitPattern: event.value), radix: 16))"
        }
    }
}
