import Foundation

/// Checkpoints in the safetensors format, readable by the Python `safetensors` package and loadable into the
/// PyTorch reference (`TinyGPT.load_state_dict`) as they are.
///
/// The `__metadata__` holds the configuration under the reference's names (`vocab_size`, `ctx`, `d_model`,
/// `n_layer`, `n_head`), `format` = `fulmen-gpt`, and `fulmen.data_crc32`, a CRC-32 of the data section that
/// catches corrupted weights. The tied LM head is `wte.weight`, stored once.
extension GPT {
    /// The `format` its checkpoints carry in their metadata.
    package static let formatName = "fulmen-gpt"

    /// The model's parameters as a safetensors file image.
    public func checkpoint() -> [UInt8] {
        let tensors = layout.entries.map {
            (
                name: $0.name, shape: $0.shape,
                values: UnsafeBufferPointer(start: parameters.base + $0.offset, count: $0.count)
            )
        }
        var metadata = [
            "format": Self.formatName, "vocab_size": "\(config.vocabularySize)", "ctx": "\(config.contextLength)",
            "d_model": "\(config.embeddingSize)", "n_layer": "\(config.layerCount)", "n_head": "\(config.headCount)",
        ]
        let dataBytes = UnsafeRawBufferPointer(start: parameters.base, count: layout.count * 4)
        metadata["fulmen.data_crc32"] = String(CRC32.checksum(dataBytes))
        return Safetensors.encode(tensors: tensors, metadata: metadata)
    }

    /// Writes ``checkpoint()`` to a file, replacing it atomically.
    ///
    /// - Throws: ``ModelError`` if the file cannot be written.
    public func writeCheckpoint(toFile path: String) throws(ModelError) {
        do {
            try Data(checkpoint()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelError("cannot write checkpoint to \(path): \(error.localizedDescription)")
        }
    }

    /// Loads a model from a safetensors file image made by ``checkpoint()`` (or any file with the same tensors
    /// and configuration metadata).
    ///
    /// - Throws: ``ModelError`` naming what is wrong: truncated file, malformed header, missing configuration,
    ///   missing, unexpected or misshapen tensor, or data that fails its checksum.
    public convenience init(checkpoint bytes: [UInt8], threadCount: Int = 1) throws(ModelError) {
        let header = try withBytes(bytes) { raw throws(ModelError) in try Safetensors.parseHeader(raw) }
        let config = try Self.config(from: header.metadata)
        try self.init(config: config, threadCount: threadCount)
        try withBytes(bytes) { raw throws(ModelError) in
            if let stored = header.metadata["fulmen.data_crc32"] {
                let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[header.dataRange]))
                guard UInt32(stored) == computed else {
                    throw ModelError(
                        "checkpoint is corrupted: data checksum is \(computed), but the header records \(stored)")
                }
            }
            let expected = Set(layout.entries.map(\.name))
            if let unexpected = header.tensors.keys.sorted().first(where: { !expected.contains($0) }) {
                throw ModelError("checkpoint has an unexpected tensor '\(unexpected)' for this configuration")
            }
            for entry in layout.entries {
                guard let info = header.tensors[entry.name] else {
                    throw ModelError("checkpoint is missing tensor '\(entry.name)'")
                }
                guard info.shape == entry.shape else {
                    throw ModelError(
                        "checkpoint tensor '\(entry.name)' has shape \(info.shape), "
                            + "but the configuration needs \(entry.shape)"
                    )
                }
                Safetensors.read(info, from: raw, into: parameters.base + entry.offset)
            }
            parametersChanged()
        }
    }

    /// Loads a model from a checkpoint file.
    ///
    /// - Throws: ``ModelError`` if the file cannot be read or is not a valid checkpoint.
    public convenience init(checkpointFile path: String, threadCount: Int = 1) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError("cannot read checkpoint file \(path)")
        }
        try self.init(checkpoint: [UInt8](data), threadCount: threadCount)
    }

    private static func config(from metadata: [String: String]) throws(ModelError) -> GPTConfig {
        if let format = metadata["format"], format != formatName {
            throw ModelError("checkpoint format is '\(format)', expected '\(formatName)'")
        }
        func field(_ key: String) throws(ModelError) -> Int {
            guard let text = metadata[key] else { throw ModelError("checkpoint metadata lacks '\(key)'") }
            guard let value = Int(text) else {
                throw ModelError("checkpoint metadata '\(key)' is not an integer: '\(text)'")
            }
            return value
        }
        let config = GPTConfig(
            vocabularySize: try field("vocab_size"), contextLength: try field("ctx"),
            embeddingSize: try field("d_model"),
            layerCount: try field("n_layer"), headCount: try field("n_head"))
        try config.validate()
        return config
    }
}

/// `bytes.withUnsafeBytes`, passing on `body`'s typed error.
private func withBytes<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ModelError) -> T) throws(ModelError)
    -> T
{
    let result = bytes.withUnsafeBytes { raw in Result { () throws(ModelError) in try body(raw) } }
    return try result.get()
}
