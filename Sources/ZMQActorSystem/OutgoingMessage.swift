import ZeroMQ

/// The frames of one message on its way out: the envelope, then out-of-band arrays.
///
/// Owned by one party at a time: the task that built it, then (while a connection is being
/// made) the connection's backlog, then a socket's outbox, then the thread that sends it, then
/// libzmq. That hand-over discipline is what makes the
/// unchecked `Sendable` safe: no two threads ever hold the frames at once.
struct OutgoingMessage: @unchecked Sendable {
    let first: OwnedBytes
    let blobs: [OwnedBytes]

    var byteCount: Int { blobs.reduce(first.count) { $0 + $1.count } }

    init(first: OwnedBytes, blobs: [OwnedBytes]) {
        self.first = first
        self.blobs = blobs
    }

    /// A single small frame.
    init(_ frame: [UInt8]) {
        self.init(first: frame.withUnsafeBytes { OwnedBytes(copying: $0) }, blobs: [])
    }

    /// One frame holding several messages (none with out-of-band frames): see `Envelope.batch`.
    init(batching messages: [OutgoingMessage]) {
        var writer = ByteWriter(capacity: messages.reduce(16) { $0 + $1.first.count + 5 })
        Envelope.beginBatch(&writer, count: messages.count)
        for message in messages {
            writer.write(varint: UInt64(message.first.count))
            writer.write(bytes: message.first.bytes)
        }
        self.init(first: writer.take(), blobs: [])
    }

    /// Sends every frame, after an optional routing id, as one multipart message.
    func send(on socket: Socket, routingID: [UInt8]? = nil) throws(ZMQError) {
        if let routingID { try socket.send(routingID, more: true) }
        try socket.send(first, more: !blobs.isEmpty)
        for (index, blob) in blobs.enumerated() {
            try socket.send(blob, more: index < blobs.count - 1)
        }
    }

    /// The message as received frames, for calls that stay on this node.
    func asReceived() -> [Message] {
        [Message(taking: first)] + blobs.map { Message(taking: $0) }
    }
}
