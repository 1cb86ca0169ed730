import BinaryCoding
public import Distributed
import ZeroMQ

/// Sends the outcome of an executed call back to its caller.
public struct ZMQResultHandler: DistributedTargetInvocationResultHandler {
    public typealias SerializationRequirement = any Codable

    let system: ZMQActorSystem
    let call: InboundCall

    public func onReturn<Success: Codable>(value: Success) async throws {
        let frames = OutgoingFrames(threshold: system.settings.blobThreshold)
        let context = BinaryEncodingContext(outOfBand: frames, writer: replyWriter(.value))
        do {
            try context.encode(value)
        } catch {
            return system.replyFailure(
                to: call, .badPayload, "could not encode the result of \(call.header.target): \(error)")
        }
        system.sendReply(OutgoingMessage(first: context.writer.takeAndReset(), blobs: frames.take()), to: call)
    }

    public func onReturnVoid() async throws {
        system.sendReply(OutgoingMessage(first: replyWriter(.void).take(), blobs: []), to: call)
    }

    public func onThrow<Err: Error>(error: Err) async throws {
        if let failure = call.decodingFailure.error {
            system.logger.info("call with undecodable arguments", metadata: ["actor": "\(call.header.actorName)", "error": "\(failure)"])
            return system.replyFailure(to: call, failure.code, "bad call to \(call.header.actorName) on \(system.node.endpoint): \(failure.message)")
        }
        if let failure = error as? ExecuteDistributedTargetError {
            let code: RemoteCallError.Code = failure.errorCode == .targetAccessorNotFound ? .unknownMethod : .badPayload
            system.logger.info("call to an unknown method", metadata: ["actor": "\(call.header.actorName)", "target": "\(call.header.target)"])
            return system.replyFailure(
                to: call, code, "\(call.header.actorName) on \(system.node.endpoint) cannot run \(call.header.target): \(failure.message)")
        }
        let thrown: any Error = error
        var payload: [UInt8]?
        if let encodable = thrown as? any Encodable {
            payload = try? BinaryEncoder().encode(encodable)
        }
        var writer = replyWriter(.thrown)
        Envelope.writeThrown(
            &writer, typeName: String(reflecting: type(of: thrown)), message: String(describing: thrown), payload: payload)
        system.sendReply(OutgoingMessage(first: writer.take(), blobs: []), to: call)
    }

    private func replyWriter(_ status: Envelope.ReplyStatus) -> ByteWriter {
        var writer = ByteWriter(capacity: 128)
        Envelope.beginReply(&writer, callID: call.header.callID, status: status)
        return writer
    }
}
