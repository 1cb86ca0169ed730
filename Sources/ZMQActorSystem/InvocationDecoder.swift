import BinaryCoding
public import Distributed
import ZeroMQ

/// Reads a received call's generic substitutions and arguments, in order.
public struct ZMQInvocationDecoder: DistributedTargetInvocationDecoder {
    public typealias SerializationRequirement = any Codable

    let system: ZMQActorSystem
    let call: InboundCall
    private var offset: Int
    private var argumentsRead = 0

    init(system: ZMQActorSystem, call: InboundCall) {
        self.system = system
        self.call = call
        offset = call.header.argumentsOffset
    }

    public mutating func decodeGenericSubstitutions() throws -> [Any.Type] {
        try call.header.substitutions.map { name in
            guard let type = system.typeRegistry.type(named: name) else {
                throw call.decodingFailure.record(RemoteCallError(.badPayload, "unknown generic substitution '\(name)'"))
            }
            return type
        }
    }

    public mutating func decodeNextArgument<Argument: Codable>() throws -> Argument {
        guard argumentsRead < call.header.argumentCount else {
            throw call.decodingFailure.record(RemoteCallError(
                .badPayload, "\(call.header.actorName) expects more than the \(call.header.argumentCount) arguments sent"))
        }
        argumentsRead += 1
        let system = self.system
        let frames = call.frames
        var offset = self.offset
        let index = argumentsRead
        let value = try frames[0].withUnsafeBytes { buffer in
            let context = BinaryDecodingContext(buffer: buffer, outOfBand: frames.outOfBand, extra: (.actorSystemKey, system))
            do {
                return try context.decodeValue(Argument.self, at: &offset)
            } catch {
                throw call.decodingFailure.record(RemoteCallError(.badPayload, "argument \(index) (\(Argument.self)): \(error)"))
            }
        }
        self.offset = offset
        return value
    }

    public mutating func decodeErrorType() throws -> Any.Type? { nil }

    public mutating func decodeReturnType() throws -> Any.Type? { nil }
}

/// A call received from another node (or made locally), with the frames that carry it.
struct InboundCall: Sendable {
    let header: Envelope.CallHeader
    let frames: [Message]
    let replyRoute: ReplyRoute
    let caller: NodeID?
    /// The caller's key and allow-list line, when this node uses CurveZMQ and the call came over the network.
    var callerKey: ZMQActorSystem.CallerKey?
    let decodingFailure = DecodingFailure()
}

/// The error, if any, that decoding a call's arguments ran into.
///
/// The runtime hands such errors to the result handler as if the actor had thrown them; this
/// lets the handler tell them apart. Written and read by the one task executing the call, one
/// step after the other, which is why the unchecked `Sendable` is safe.
final class DecodingFailure: @unchecked Sendable {
    private(set) var error: RemoteCallError?

    func record(_ error: RemoteCallError) -> RemoteCallError {
        self.error = error
        return error
    }
}

/// Where the reply to a call goes.
enum ReplyRoute: Sendable {
    /// Back through the ROUTER to the DEALER with this routing id.
    case router(routingID: [UInt8])
    /// To a caller on this node.
    case local
}
