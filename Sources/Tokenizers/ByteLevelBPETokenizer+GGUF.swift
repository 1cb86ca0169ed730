public import ModelFiles

extension ByteLevelBPETokenizer {
    /// The tokenizer a GGUF model file carries in its `tokenizer.ggml.*` metadata.
    ///
    /// - Throws: ``TokenizerError/unsupportedModel(_:)`` for a tokenizer other than byte-level BPE (`gpt2`; llama.cpp
    ///   also knows SentencePiece `llama`, `bert`, `t5`, `rwkv`), ``TokenizerError/metadata(_:)`` naming a missing or
    ///   mistyped key, and what ``init(tokens:kinds:merges:preTokenizer:bosTokenID:eosTokenID:addsBOS:)`` throws.
    public init(gguf: GGUFFile) throws(TokenizerError) {
        let metadata = gguf.metadata
        do {
            let model = try metadata.string("tokenizer.ggml.model")
            guard model == "gpt2" else { throw TokenizerError.unsupportedModel(model) }
            let tokens = try metadata.strings("tokenizer.ggml.tokens")
            let kinds = try metadata.integers("tokenizer.ggml.token_type").map { Int32(clamping: $0) }
            let merges = try metadata.strings("tokenizer.ggml.merges")
            // llama.cpp treats a missing pre-tokenizer as GPT-2's.
            let pre = metadata.contains("tokenizer.ggml.pre") ? try metadata.string("tokenizer.ggml.pre") : "gpt2"
            func id(_ key: String) throws(GGUFError) -> Int32? {
                metadata.contains(key) ? Int32(clamping: try metadata.integer(key)) : nil
            }
            let addsBOS = metadata.contains("tokenizer.ggml.add_bos_token") ? try metadata.bool("tokenizer.ggml.add_bos_token") : false
            try self.init(
                tokens: tokens, kinds: kinds, merges: merges, preTokenizer: pre,
                bosTokenID: try id("tokenizer.ggml.bos_token_id"), eosTokenID: try id("tokenizer.ggml.eos_token_id"),
                addsBOS: addsBOS)
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw .metadata("\(gguf.path): \(error)")
        }
    }
}

extension ChatTemplate {
    /// The chat template a GGUF model file carries (`tokenizer.chat_template`), with its BOS token's text.
    ///
    /// - Throws: ``ChatTemplateError/unrecognized(_:)`` when the file has no template, and what
    ///   ``init(templateText:bosToken:)`` throws for one no known family matches.
    public init(gguf: GGUFFile, tokenizer: ByteLevelBPETokenizer) throws(ChatTemplateError) {
        guard let text = try? gguf.metadata.string("tokenizer.chat_template") else {
            throw .unrecognized("\(gguf.path) has no chat template (tokenizer.chat_template)")
        }
        let bos = tokenizer.bosTokenID.flatMap { id in
            tokenizer.tokenTexts.indices.contains(Int(id)) ? tokenizer.tokenTexts[Int(id)] : nil
        }
        try self.init(templateText: text, bosToken: bos)
    }
}
