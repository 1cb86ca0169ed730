import Foundation

/// The optimiser's state (both moments and the step count) as a safetensors file image of its own, beside
/// the model's checkpoint, so that training resumed from a checkpoint continues where it was instead of
/// starting AdamW afresh.
extension AdamW {
    private static let formatName = "fulmen-adamw"

    /// The moments (`m`, `v`, one value per parameter) and the step count.
    public func state() -> [UInt8] {
        let count = firstMoment.count
        return Safetensors.encode(
            tensors: [
                (name: "m", shape: [count], values: UnsafeBufferPointer(start: firstMoment.base, count: count)),
                (name: "v", shape: [count], values: UnsafeBufferPointer(start: secondMoment.base, count: count)),
            ],
            metadata: ["format": Self.formatName, "step": "\(stepCount)"])
    }

    /// Writes ``state()`` to a file, replacing it atomically.
    /// - Throws: ``ModelError`` if the file cannot be written.
    public func writeState(toFile path: String) throws(ModelError) {
        do {
            try Data(state()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelError("cannot write optimizer state to \(path): \(error.localizedDescription)")
        }
    }

    /// Restores a state made by ``state()`` for a model with the same number of parameters.
    /// - Throws: ``ModelError`` naming what is wrong: not an optimiser state, a missing step count or moment,
    ///   or moments for a model of another size.
    public func restore(state bytes: [UInt8]) throws(ModelError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ModelError) in
                let header = try Safetensors.parseHeader(raw)
                guard header.metadata["format"] == Self.formatName else {
                    throw ModelError("optimizer state: format is '\(header.metadata["format"] ?? "none")', expected '\(Self.formatName)'")
                }
                guard let text = header.metadata["step"], let step = Int(text), step >= 0 else {
                    throw ModelError("optimizer state: metadata lacks a valid 'step'")
                }
                for (name, buffer) in [("m", firstMoment), ("v", secondMoment)] {
                    guard let info = header.tensors[name] else { throw ModelError("optimizer state: missing tensor '\(name)'") }
                    guard info.shape == [buffer.count] else {
                        throw ModelError(
                            "optimizer state: tensor '\(name)' has shape \(info.shape), but the model has \(buffer.count) parameters")
                    }
                    Safetensors.read(info, from: raw, into: buffer.base)
                }
                stepCount = step
            }
        }
        try result.get()
    }
}
