import FulmenLlama
import ModelFiles
import Tokenizers

/// A pretrained model's file opened: the GGUF (memory-mapped), its tokenizer and its chat template.
struct PretrainedFiles {
    let reference: PretrainedModelReference
    let gguf: GGUFFile
    let tokenizer: ByteLevelBPETokenizer
    /// The model's own chat template, or why it cannot be rendered (an unrecognised template is an error at chat
    /// time, never a silent fallback).
    let chatTemplate: Result<ChatTemplate, ChatTemplateError>

    /// - Throws: ``PolicyError`` naming the model and what failed.
    init(_ reference: PretrainedModelReference) throws(PolicyError) {
        let path = try reference.locate()
        self.reference = reference
        do {
            gguf = try GGUFFile(path: path)
            tokenizer = try ByteLevelBPETokenizer(gguf: gguf)
        } catch {
            throw .unreadableModel(reference, reason: "\(error)")
        }
        chatTemplate = Result { [gguf, tokenizer] () throws(ChatTemplateError) in
            try ChatTemplate(gguf: gguf, tokenizer: tokenizer)
        }
    }

    /// A Llama of the file's weights, trainable or ready to serve.
    func model(threads: Int) throws(PolicyError) -> Llama {
        do {
            return try Llama(gguf: gguf, threadCount: threads)
        } catch {
            throw .unreadableModel(reference, reason: "\(error)")
        }
    }
}
