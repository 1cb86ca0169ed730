import ZeroMQ

/// The messages nodes exchange, and their layout in a ZeroMQ message's first frame.
///
/// ```
/// frame 0:  version u8 · kind u8 · body
///   call    callID u64 · session u32 · target incarnation u64 (0: any) · timeout ms u32 ·
///           actor name · target identifier · generic substitutions (varint count, strings) ·
///           argument count varint · arguments (tagged values, see BinaryTag in BinaryCoding)
///   reply   callID u64 · status u8 · status body (value | nothing | thrown error | failure)
///   ping    sequence u64 · sender's message size limit u64
///   pong    sequence u64 · sender's incarnation u64 · sender's message size limit u64 ·
///           session u32
///   batch   count varint · (length varint · one of the messages above)*, none with frames 1…
/// frames 1…: out-of-band arrays referenced by `blob` values
/// ```
/// Integers are little-endian; strings are a varint length and UTF-8 bytes. A DEALER's routing
/// id names its node (`Envelope.routingID(for:)`), so a ROUTER knows who sent each message.
///
/// A call's session is the callee's session with the caller as the caller last heard it, from
/// the callee's pongs; a pong's session is the sender's session with the node it answers (see
/// `Peer.session`).
///
/// The version changes whenever what a call names changes, not only the layout: the target
/// identifiers are mangled names of distributed functions, so moving a function to another
/// protocol is a new version. Version 3: the store's protocol split by role (`RunnerStore`,
/// `TrainerStore`, `ControlStore`, `StoreReads`). A call of another version is answered with a
/// `versionMismatch` failure naming both versions, written in the caller's version; so that every
/// version can read it, these stay the same in every version from 2 on: the kind numbers of calls
/// (1), replies (2) and batches (5), the first fields of a call (version, kind, call id), a failure
/// reply (version, kind, call id, status 3, code, message), and the batch's layout.
enum Envelope {
    static let version: UInt8 = 3
    /// The first version whose calls, failure replies and batches have today's layout.
    static let oldestSharedLayout: UInt8 = 2
    /// The most messages one batch frame carries; senders never batch more.
    static let maximumBatchCount = 1024

    enum Kind: UInt8 {
        case call = 1
        case reply = 2
        case ping = 3
        case pong = 4
        case batch = 5
    }

    enum ReplyStatus: UInt8 {
        case value = 0
        case void = 1
        case thrown = 2
        case failure = 3
    }

    // MARK: Routing ids

    /// The routing id a node's DEALERs present: a marker byte, the incarnation, the endpoint.
    static func routingID(for node: NodeID) -> [UInt8] {
        var id: [UInt8] = [0x46]
        withUnsafeBytes(of: node.incarnation.littleEndian) { id.append(contentsOf: $0) }
        id.append(contentsOf: node.endpoint.utf8.prefix(246))
        return id
    }

    /// The node named by a routing id, or nil when the id was not made by `routingID(for:)`.
    static func node(fromRoutingID bytes: UnsafeRawBufferPointer) -> NodeID? {
        guard bytes.count > 9, bytes[0] == 0x46 else { return nil }
        let incarnation = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
        guard incarnation != 0, let endpoint = String(validating: bytes[9...], as: UTF8.self) else { return nil }
        return NodeID(endpoint: endpoint, incarnation: incarnation)
    }

    // MARK: Writing

    static func beginCall(
        _ writer: inout ByteWriter, callID: UInt64, targetIncarnation: UInt64?, timeoutMilliseconds: UInt32,
        actorName: String, target: String, substitutions: [String], argumentCount: Int
    ) {
        writer.write(version)
        writer.write(Kind.call.rawValue)
        writer.write(fixed: callID)
        writer.write(fixed: UInt32(0))  // the session, stamped by `stampSession` once the peer is known
        writer.write(fixed: targetIncarnation ?? 0)
        writer.write(fixed: timeoutMilliseconds)
        writer.write(string: actorName)
        writer.write(string: target)
        writer.write(varint: UInt64(substitutions.count))
        for name in substitutions { writer.write(string: name) }
        writer.write(varint: UInt64(argumentCount))
    }

    /// Where a call's session lies in its first frame.
    private static let sessionOffset = 10

    /// Writes `session` into the call whose first frame is `frame`.
    static func stampSession(_ session: UInt32, on frame: OwnedBytes) {
        frame.base.storeBytes(of: session.littleEndian, toByteOffset: sessionOffset, as: UInt32.self)
    }

    static func beginReply(_ writer: inout ByteWriter, callID: UInt64, status: ReplyStatus) {
        writer.write(version)
        writer.write(Kind.reply.rawValue)
        writer.write(fixed: callID)
        writer.write(status.rawValue)
    }

    static func writeThrown(_ writer: inout ByteWriter, typeName: String, message: String, payload: [UInt8]?) {
        writer.write(string: typeName)
        writer.write(string: message)
        if let payload {
            writer.write(1)
            writer.write(varint: UInt64(payload.count))
            payload.withUnsafeBytes { writer.write(bytes: $0) }
        } else {
            writer.write(0)
        }
    }

    static func writeFailure(_ writer: inout ByteWriter, code: RemoteCallError.Code, message: String) {
        writer.write(string: code.name)
        writer.write(string: message)
    }

    /// Begins a batch frame. Its version byte is the oldest with this batch layout, not this
    /// node's: so a node of any version from 2 on can take the batch apart and judge each message
    /// by its own version (a refused call's answer must reach its caller, batched or not).
    static func beginBatch(_ writer: inout ByteWriter, count: Int) {
        writer.write(oldestSharedLayout)
        writer.write(Kind.batch.rawValue)
        writer.write(varint: UInt64(count))
    }

    /// A failure reply to a call made in version `version` of the wire format, saying that this
    /// node speaks another (`message` names both).
    static func versionRefusal(version: UInt8, callID: UInt64, message: String) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + message.utf8.count)
        writer.write(version)
        writer.write(Kind.reply.rawValue)
        writer.write(fixed: callID)
        writer.write(ReplyStatus.failure.rawValue)
        writeFailure(&writer, code: .versionMismatch, message: message)
        return writer.bytes
    }

    /// The messages of a batch as frames of their own, or nil when `frame` is not a batch. A batch
    /// of another version from 2 on is read too, so that its calls can be refused (`foreignCall`).
    static func unbatch(_ frame: Message) throws(WireFormatError) -> [Message]? {
        try frame.withUnsafeBytes { buffer throws(WireFormatError) -> [Message]? in
            guard buffer.count >= 2, buffer[0] >= oldestSharedLayout, buffer[1] == Kind.batch.rawValue else { return nil }
            var reader = ByteReader(buffer, offset: 2)
            // Each message takes at least 3 bytes (a length and a version and kind), and no
            // sender batches more than `maximumBatchCount`: so a few bytes cannot make the
            // receiver allocate a frame object per byte.
            let count = try reader.readCount("batch count", unit: 3)
            guard count <= maximumBatchCount else {
                throw WireFormatError.malformed("a batch of \(count) messages; senders batch at most \(maximumBatchCount)")
            }
            var messages: [Message] = []
            messages.reserveCapacity(count)
            for _ in 0..<count {
                let length = try reader.readCount("batched message length")
                guard length >= 2 else { throw WireFormatError.malformed("a batched message of \(length) bytes") }
                messages.append(Message(copying: try reader.readBytes(length, "batched message")))
            }
            guard reader.isAtEnd else { throw WireFormatError.malformed("\(reader.remaining) bytes after a batch") }
            return messages
        }
    }

    static func ping(sequence: UInt64, maximumMessageSize: Int) -> [UInt8] {
        var writer = ByteWriter(capacity: 18)
        writer.write(version)
        writer.write(Kind.ping.rawValue)
        writer.write(fixed: sequence)
        writer.write(fixed: UInt64(maximumMessageSize))
        return writer.bytes
    }

    static func pong(sequence: UInt64, incarnation: UInt64, maximumMessageSize: Int, session: UInt32) -> [UInt8] {
        var writer = ByteWriter(capacity: 30)
        writer.write(version)
        writer.write(Kind.pong.rawValue)
        writer.write(fixed: sequence)
        writer.write(fixed: incarnation)
        writer.write(fixed: UInt64(maximumMessageSize))
        writer.write(fixed: session)
        return writer.bytes
    }

    // MARK: Reading

    /// A call made in another version of the wire format: what refusing it takes.
    struct ForeignCall: Equatable {
        var version: UInt8
        var callID: UInt64
    }

    /// The version and call id of `frame` when it is a call of another version from 2 on; nil
    /// for anything else, which `parseHeader` reads (or refuses).
    static func foreignCall(_ frame: UnsafeRawBufferPointer) -> ForeignCall? {
        guard frame.count >= 10, frame[0] != version, frame[0] >= oldestSharedLayout, frame[1] == Kind.call.rawValue else {
            return nil
        }
        return ForeignCall(version: frame[0], callID: UInt64(littleEndian: frame.loadUnaligned(fromByteOffset: 2, as: UInt64.self)))
    }

    /// The fixed part of a message, read before deciding what to do with it.
    enum Header {
        case call(CallHeader)
        case reply(callID: UInt64, status: ReplyStatus, bodyOffset: Int)
        case ping(sequence: UInt64, maximumMessageSize: Int)
        case pong(sequence: UInt64, incarnation: UInt64, maximumMessageSize: Int, session: UInt32)
    }

    struct CallHeader {
        var callID: UInt64
        var session: UInt32
        var targetIncarnation: UInt64?
        var timeoutMilliseconds: UInt32
        var actorName: String
        var target: String
        var substitutions: [String]
        var argumentCount: Int
        /// Where the first argument starts in frame 0.
        var argumentsOffset: Int
    }

    static func parseHeader(_ frame: UnsafeRawBufferPointer) throws(WireFormatError) -> Header {
        var reader = ByteReader(frame)
        let version = try reader.readByte("version")
        guard version == Self.version else {
            throw WireFormatError.malformed("protocol version \(version), this node speaks \(Self.version)")
        }
        let rawKind = try reader.readByte("message kind")
        guard let kind = Kind(rawValue: rawKind) else { throw WireFormatError.malformed("unknown message kind \(rawKind)") }
        switch kind {
        case .call:
            let callID = try reader.readFixed(UInt64.self, "call id")
            let session = try reader.readFixed(UInt32.self, "session")
            let incarnation = try reader.readFixed(UInt64.self, "target incarnation")
            let timeout = try reader.readFixed(UInt32.self, "timeout")
            let actorName = try reader.readString("actor name")
            let target = try reader.readString("target")
            let substitutionCount = try reader.readCount("substitution count")
            var substitutions: [String] = []
            for _ in 0..<substitutionCount { substitutions.append(try reader.readString("generic substitution")) }
            let argumentCount = try reader.readCount("argument count")
            return .call(CallHeader(
                callID: callID, session: session, targetIncarnation: incarnation == 0 ? nil : incarnation,
                timeoutMilliseconds: timeout, actorName: actorName, target: target,
                substitutions: substitutions, argumentCount: argumentCount, argumentsOffset: reader.offset))
        case .reply:
            let callID = try reader.readFixed(UInt64.self, "call id")
            let rawStatus = try reader.readByte("reply status")
            guard let status = ReplyStatus(rawValue: rawStatus) else { throw WireFormatError.malformed("unknown reply status \(rawStatus)") }
            return .reply(callID: callID, status: status, bodyOffset: reader.offset)
        case .ping:
            let sequence = try reader.readFixed(UInt64.self, "ping sequence")
            let limit = try reader.readFixed(UInt64.self, "message size limit")
            return .ping(sequence: sequence, maximumMessageSize: Int(clamping: limit))
        case .batch:
            throw WireFormatError.malformed("a batch inside a batch")
        case .pong:
            let sequence = try reader.readFixed(UInt64.self, "pong sequence")
            let incarnation = try reader.readFixed(UInt64.self, "incarnation")
            let limit = try reader.readFixed(UInt64.self, "message size limit")
            let session = try reader.readFixed(UInt32.self, "session")
            return .pong(sequence: sequence, incarnation: incarnation, maximumMessageSize: Int(clamping: limit), session: session)
        }
    }

    /// The header of a message's first frame.
    static func parseHeader(_ frame: Message) throws(WireFormatError) -> Header {
        try frame.withUnsafeBytes { buffer throws(WireFormatError) in try parseHeader(buffer) }
    }

    static func readThrown(_ frame: UnsafeRawBufferPointer, at offset: Int) throws(WireFormatError) -> RemoteError {
        var reader = ByteReader(frame, offset: offset)
        let typeName = try reader.readString("error type")
        let message = try reader.readString("error message")
        var payload: [UInt8]?
        if try reader.readByte("error payload flag") == 1 {
            let count = try reader.readCount("error payload length")
            payload = Array(try reader.readBytes(count, "error payload"))
        }
        return RemoteError(typeName: typeName, message: message, payload: payload)
    }

    static func readFailure(_ frame: UnsafeRawBufferPointer, at offset: Int) throws(WireFormatError) -> RemoteCallError {
        var reader = ByteReader(frame, offset: offset)
        let code = try reader.readString("failure code")
        let message = try reader.readString("failure message")
        return RemoteCallError(RemoteCallError.Code(name: code), message)
    }
}
