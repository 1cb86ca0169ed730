import ModelFiles

/// The metadata of an exported model: the source file's (tokenizer, chat template, names, licence) carried over in
/// their order, with the `llama.*` shape written from the model's own configuration, `general.file_type` saying
/// what the tensors now are, and what only described the source's storage (quantisation version, alignment) left
/// out.
enum GGUFExportMetadata {
    /// llama.cpp's `general.file_type` codes (`LLAMA_FTYPE_ALL_F32`, `LLAMA_FTYPE_MOSTLY_F16`).
    static func fileType(_ format: GGUFWriter.FloatFormat) -> UInt32 { format == .f32 ? 0 : 1 }

    /// Keys of the source that describe its storage, not the model.
    static let dropped: Set<String> = ["general.alignment", "general.quantization_version", "general.file_type"]

    /// The entries for a model of `config` stored as `format`, carrying `source`'s.
    ///
    /// - Throws: ``LlamaExportError/sourceMetadata(key:reason:)`` when `source` is another architecture's or its
    ///   vocabulary is not the model's.
    static func entries(config: LlamaConfig, format: GGUFWriter.FloatFormat, source: GGUFMetadata?)
        throws(LlamaExportError) -> [(key: String, value: GGUFValue)]
    {
        let own = ownEntries(config: config, format: format)
        var result: [(key: String, value: GGUFValue)] = []
        if let source {
            if let architecture = source["general.architecture"], architecture != .string("llama") {
                let found = if case .string(let name) = architecture { "'\(name)'" } else { architecture.typeDescription }
                throw .sourceMetadata(key: "general.architecture", reason: "is \(found), not 'llama'")
            }
            if case .array(let tokens) = source["tokenizer.ggml.tokens"], tokens.count != config.vocabularySize {
                throw .sourceMetadata(
                    key: "tokenizer.ggml.tokens",
                    reason: "holds \(tokens.count) tokens; the model's vocabulary is \(config.vocabularySize)")
            }
            let replaced = Dictionary(uniqueKeysWithValues: own.map { ($0.key, $0.value) })
            for key in source.keys where !dropped.contains(key) {
                // A key the model defines keeps the source's place with the model's value; other llama.* keys
                // (rope scaling, say) describe a model Fulmen would not have loaded, and are dropped.
                if let value = replaced[key] {
                    result.append((key, value))
                } else if !key.hasPrefix("llama."), let value = source[key] {
                    result.append((key, value))
                }
            }
        }
        let present = Set(result.map(\.key))
        result.append(contentsOf: own.filter { !present.contains($0.key) })
        return result
    }

    /// What the model itself says: its architecture, shape and storage, under llama.cpp's keys.
    private static func ownEntries(config: LlamaConfig, format: GGUFWriter.FloatFormat) -> [(key: String, value: GGUFValue)] {
        func count(_ value: Int) -> GGUFValue { .uint32(UInt32(value)) }
        return [
            ("general.architecture", .string("llama")),
            ("general.file_type", .uint32(fileType(format))),
            ("llama.vocab_size", count(config.vocabularySize)),
            ("llama.context_length", count(config.contextLength)),
            ("llama.embedding_length", count(config.embeddingSize)),
            ("llama.block_count", count(config.layerCount)),
            ("llama.feed_forward_length", count(config.feedForwardSize)),
            ("llama.rope.dimension_count", count(config.headSize)),
            ("llama.rope.freq_base", .float32(config.ropeBase)),
            ("llama.attention.head_count", count(config.headCount)),
            ("llama.attention.head_count_kv", count(config.keyValueHeadCount)),
            ("llama.attention.key_length", count(config.headSize)),
            ("llama.attention.value_length", count(config.headSize)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(config.rmsNormEpsilon)),
        ]
    }
}
