import Distributed
import Synchronization

/// The parameter and return types of a distributed func, found from its mangled name once and
/// kept, so that running a call does not demangle the name again.
///
/// `executeDistributedTarget` demangles the target's name three times on every call (for its
/// parameter count, parameter types and return type), which was a third of a busy node's CPU.
/// For a target that is not generic this runs the same runtime entry point with the types
/// looked up on its first call; generic targets, and names the runtime cannot resolve, take
/// `executeDistributedTarget`'s way, errors and all.
struct TargetSignature: @unchecked Sendable {
    // Unchecked: the buffers are written once, before the signature is shared, and never
    // freed or changed; metatypes are immutable runtime metadata.

    /// What the target returns.
    enum Result {
        case void
        case value(any Codable.Type)
    }

    /// The mangled name's UTF-8 bytes, which the runtime uses to find the target's accessor.
    let name: UnsafeBufferPointer<UInt8>
    /// The parameters' types, in order (at least one slot, so that the address is never nil).
    let argumentTypes: UnsafeBufferPointer<Any.Type>
    let result: Result

    /// Looks up the signature of the target named `mangledName`; nil when it is generic or the
    /// runtime cannot resolve it.
    init?(mangledName: String) {
        let utf8 = Array(mangledName.utf8)
        guard let found = utf8.withUnsafeBufferPointer({ name -> (types: UnsafeMutableBufferPointer<Any.Type>, result: Result)? in
            guard let base = name.baseAddress else { return nil }
            let length = UInt(name.count)
            guard _getGenericEnvironmentOfDistributedTarget(base, length) == nil else { return nil }
            let count = Int(__getParameterCount(base, length))
            guard count >= 0 else { return nil }
            let types = UnsafeMutableBufferPointer<Any.Type>.allocate(capacity: max(count, 1))
            let returnType = __getReturnTypeInfo(base, length, nil, nil)
            let result: Result? = returnType.flatMap { type in
                if type == Void.self { return .void }
                return (type as? any Codable.Type).map { .value($0) }
            }
            guard runtimeParameterTypes(base, length, nil, nil, types.baseAddress!, count) == count, let result else {
                types.deallocate()
                return nil
            }
            return (types, result)
        }) else { return nil }
        let name = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: utf8.count)
        _ = name.initialize(from: utf8)
        self.name = UnsafeBufferPointer(name)
        argumentTypes = UnsafeBufferPointer(found.types)
        result = found.result
    }
}

/// The signatures of the targets this node has run, by mangled name.
///
/// Only targets that resolved are kept, so the table holds at most one entry per distributed
/// func in the program, whatever names peers send.
final class TargetSignatures: Sendable {
    private let table = Mutex<[String: TargetSignature]>([:])

    func signature(of mangledName: String) -> TargetSignature? {
        if let known = table.withLock({ $0[mangledName] }) { return known }
        guard let found = TargetSignature(mangledName: mangledName) else { return nil }
        return table.withLock { table in
            // Two calls may race to look the same target up: keep the first, drop the other's
            // copy (a few bytes, once).
            if let known = table[mangledName] { return known }
            table[mangledName] = found
            return found
        }
    }
}

extension ZMQActorSystem {
    /// Runs a call of a target whose signature is known, as `executeDistributedTarget` would.
    func execute(
        _ signature: TargetSignature, on actor: any DistributedActor, decoder: inout ZMQInvocationDecoder,
        handler: ZMQResultHandler
    ) async throws {
        switch signature.result {
        case .void:
            // Nothing is written to a Void result; the runtime still wants somewhere to write it.
            let result = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
            defer { result.deallocate() }
            do {
                try await run(signature, on: actor, decoder: &decoder, resultBuffer: UnsafeRawPointer(result))
                try await handler.onReturnVoid()
            } catch {
                try await handler.onThrow(error: error)
            }
        case let .value(type):
            try await execute(signature, returning: type, on: actor, decoder: &decoder, handler: handler)
        }
    }

    private func execute<R: Codable>(
        _ signature: TargetSignature, returning: R.Type, on actor: any DistributedActor,
        decoder: inout ZMQInvocationDecoder, handler: ZMQResultHandler
    ) async throws {
        let result = UnsafeMutablePointer<R>.allocate(capacity: 1)
        defer { result.deallocate() }
        do {
            try await run(signature, on: actor, decoder: &decoder, resultBuffer: UnsafeRawPointer(result))
            try await handler.onReturn(value: result.move())
        } catch {
            try await handler.onThrow(error: error)
        }
    }

    /// Decodes the arguments and runs the target, which writes its result to `resultBuffer`.
    private func run(
        _ signature: TargetSignature, on actor: any DistributedActor, decoder: inout ZMQInvocationDecoder,
        resultBuffer: UnsafeRawPointer
    ) async throws {
        try await runtimeExecuteTarget(
            on: actor, signature.name.baseAddress!, UInt(signature.name.count), argumentDecoder: &decoder,
            argumentTypes: UnsafeRawPointer(signature.argumentTypes.baseAddress!), resultBuffer: resultBuffer,
            substitutions: nil, witnessTables: nil, numWitnessTables: 0)
    }
}

// The runtime's entry points that `executeDistributedTarget` uses and the Distributed module
// does not export in a form callable from here (they take `Builtin.RawPointer`, a plain
// pointer, where these take the equivalent unsafe pointer types).

/// Writes the metadata of the parameters of the target named by the UTF-8 bytes at `name` into
/// `types`; returns how many it wrote, or a negative number when it cannot.
@_silgen_name("swift_func_getParameterTypeInfo")
private func runtimeParameterTypes(
    _ name: UnsafePointer<UInt8>, _ nameLength: UInt, _ genericEnvironment: UnsafeRawPointer?,
    _ genericArguments: UnsafeRawPointer?, _ types: UnsafeMutablePointer<Any.Type>, _ typesLength: Int
) -> Int32

/// Decodes a call's arguments with `argumentDecoder` and runs the target on `actor`, writing
/// its result to `resultBuffer`.
@_silgen_name("swift_distributed_execute_target")
private func runtimeExecuteTarget<Decoder: DistributedTargetInvocationDecoder>(
    on actor: AnyObject, _ name: UnsafePointer<UInt8>, _ nameLength: UInt, argumentDecoder: inout Decoder,
    argumentTypes: UnsafeRawPointer, resultBuffer: UnsafeRawPointer, substitutions: UnsafeRawPointer?,
    witnessTables: UnsafeRawPointer?, numWitnessTables: UInt
) async throws
