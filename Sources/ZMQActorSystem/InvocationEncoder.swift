import BinaryCoding
public import Distributed
import ZeroMQ

/// Records a distributed call's arguments and generic substitutions for sending.
///
/// Arguments are written one after another, in the shared binary coding, into one buffer; large
/// arrays among them become frames of their own.
public struct ZMQInvocationEncoder: DistributedTargetInvocationEncoder {
    public typealias SerializationRequirement = any Codable

    let context: BinaryEncodingContext
    let frames: OutgoingFrames
    private(set) var substitutions: [String] = []
    private(set) var argumentCount = 0

    init(system: ZMQActorSystem) {
        frames = OutgoingFrames(threshold: system.settings.blobThreshold)
        context = BinaryEncodingContext(outOfBand: frames)
    }

    public mutating func recordGenericSubstitution<T>(_ type: T.Type) throws {
        guard let name = _mangledTypeName(type) else {
            throw RemoteCallError(.badPayload, "generic substitution \(type) has no mangled name")
        }
        substitutions.append(name)
    }

    public mutating func recordArgument<Value: Codable>(_ argument: RemoteCallArgument<Value>) throws {
        try context.encode(argument.value)
        argumentCount += 1
    }

    public mutating func recordErrorType<E: Error>(_ type: E.Type) throws {}

    public mutating func recordReturnType<R: Codable>(_ type: R.Type) throws {}

    public mutating func doneRecording() throws {}

    /// The call message: the envelope with the arguments, then any out-of-band frames.
    func message(callID: UInt64, to actor: ActorAddress, target: String, timeout: Duration) -> OutgoingMessage {
        var writer = ByteWriter(capacity: 64 + target.utf8.count + actor.name.utf8.count + context.writer.count)
        Envelope.beginCall(
            &writer, callID: callID, targetIncarnation: actor.incarnation,
            timeoutMilliseconds: UInt32(clamping: timeout.milliseconds), actorName: actor.name, target: target,
            substitutions: substitutions, argumentCount: argumentCount)
        writer.write(bytes: UnsafeRawBufferPointer(start: context.writer.base, count: context.writer.count))
        return OutgoingMessage(first: writer.take(), blobs: frames.take())
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}
