import Foundation
public import FulmenModel

/// Checkpoints in the safetensors format, with the tensors under GGUF's names (shapes outermost first) and the
/// configuration in the `__metadata__` under GGUF's `llama.*` key names, `format` = `fulmen-llama`, and
/// `fulmen.data_crc32`, a CRC-32 of the data section that catches corrupted weights. A tied head is stored once.
extension Llama {
    /// The `format` its checkpoints carry in their metadata.
    package static let formatName = "fulmen-llama"

    /// The model's parameters as a safetensors file image.
    public func checkpoint() -> [UInt8] { checkpoint(adding: [:]) }

    /// The model's parameters as a safetensors file image whose metadata also holds `extra` (which must not
    /// redefine the configuration's keys), written in one pass.
    package func checkpoint(adding extra: [String: String]) -> [UInt8] {
        let tensors = layout.entries.map {
            (name: $0.name, shape: $0.shape, values: UnsafeBufferPointer(start: parameters.base + $0.offset, count: $0.count))
        }
        var metadata = [
            "format": Self.formatName, "llama.vocab_size": "\(config.vocabularySize)",
            "llama.context_length": "\(config.contextLength)", "llama.embedding_length": "\(config.embeddingSize)",
            "llama.block_count": "\(config.layerCount)", "llama.attention.head_count": "\(config.headCount)",
            "llama.attention.head_count_kv": "\(config.keyValueHeadCount)",
            "llama.attention.key_length": "\(config.headSize)",
            "llama.feed_forward_length": "\(config.feedForwardSize)",
            "llama.attention.layer_norm_rms_epsilon": "\(config.rmsNormEpsilon)",
            "llama.rope.freq_base": "\(config.ropeBase)", "fulmen.tied_embeddings": "\(config.tiedEmbeddings)",
        ]
        metadata.merge(extra) { own, _ in own }
        metadata["fulmen.data_crc32"] = String(
            CRC32.checksum(UnsafeRawBufferPointer(start: parameters.base, count: layout.count * 4)))
        return Safetensors.encode(tensors: tensors, metadata: metadata)
    }

    /// Loads a model from a file image made by ``checkpoint()``.
    ///
    /// - Throws: ``ModelError`` naming what is wrong: not a Llama checkpoint, a missing or malformed configuration
    ///   field, a checksum mismatch, or a missing, unexpected or misshapen tensor.
    public convenience init(checkpoint bytes: [UInt8], threadCount: Int = 1) throws(ModelError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(LlamaError) -> (LlamaConfig, SafetensorsWeights) in
                let header: Safetensors.Header
                do throws(ModelError) {
                    header = try Safetensors.parseHeader(raw)
                } catch {
                    throw .invalidCheckpoint(reason: error.message)
                }
                let config = try Self.config(from: header.metadata)
                if let stored = header.metadata["fulmen.data_crc32"] {
                    let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[header.dataRange]))
                    guard UInt32(stored) == computed else {
                        throw .invalidCheckpoint(
                            reason: "data checksum is \(computed), but the header records \(stored)")
                    }
                }
                return (config, SafetensorsWeights(header: header, bytes: raw))
            }
        }
        do throws(LlamaError) {
            let (config, weights) = try result.get()
            try self.init(config: config, weights: weights, threadCount: threadCount)
        } catch {
            throw error.modelError
        }
    }

    private static func config(from metadata: [String: String]) throws(LlamaError) -> LlamaConfig {
        guard metadata["format"] == formatName else {
            throw .invalidCheckpoint(reason: "format is '\(metadata["format"] ?? "none")', expected '\(formatName)'")
        }
        func field<T: LosslessStringConvertible>(_ key: String, as: T.Type = T.self) throws(LlamaError) -> T {
            guard let text = metadata[key] else { throw .invalidCheckpoint(reason: "metadata lacks '\(key)'") }
            guard let value = T(text) else { throw .invalidCheckpoint(reason: "metadata '\(key)' is malformed: '\(text)'") }
            return value
        }
        let config = LlamaConfig(
            vocabularySize: try field("llama.vocab_size"), contextLength: try field("llama.context_length"),
            embeddingSize: try field("llama.embedding_length"), layerCount: try field("llama.block_count"),
            headCount: try field("llama.attention.head_count"),
            keyValueHeadCount: try field("llama.attention.head_count_kv"),
            headSize: try field("llama.attention.key_length"), feedForwardSize: try field("llama.feed_forward_length"),
            rmsNormEpsilon: try field("llama.attention.layer_norm_rms_epsilon"),
            ropeBase: try field("llama.rope.freq_base"), tiedEmbeddings: try field("fulmen.tied_embeddings"))
        try config.validate()
        return config
    }
}

/// The tensors of a parsed safetensors image, as a weight source; valid while the image's bytes are.
private struct SafetensorsWeights: LlamaWeightSource {
    let header: Safetensors.Header
    let bytes: UnsafeRawBufferPointer

    var tensorNames: [String] { Array(header.tensors.keys) }

    func shape(of name: String) -> [Int]? { header.tensors[name]?.shape }

    func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let info = header.tensors[name] else { throw LlamaError.missingTensor(name: name) }
        Safetensors.read(info, from: bytes, into: destination.baseAddress!)
    }
}
