public import Tokenizers

/// A pretrained Llama-family model with what it takes to talk to it, loaded from a path: the decoder, its
/// tokenizer and its chat template, from a GGUF file (its metadata) or from a Hugging Face directory (safetensors,
/// `tokenizer.json`, the `chat_template` of `tokenizer_config.json` or `chat_template.jinja`).
///
/// ```swift
/// let pretrained = try PretrainedModel.load(path: "/models/SmolLM2-135M-Instruct.Q4_1.gguf", threadCount: 2)
/// let prompt = try pretrained.chatTemplate.render(messages, addGenerationPrompt: true)
/// let ids = pretrained.tokenizer.encode(prompt, parsingSpecialTokens: true)
/// ```
public struct PretrainedModel {
    /// The decoder (a class: not Sendable, keep it in one actor).
    public let model: Llama
    public let tokenizer: any TextTokenizer
    public let chatTemplate: ChatTemplate
    public let source: ModelSource

    /// Loads the model at `path`: a directory is read as a Hugging Face model directory, a file as GGUF
    /// (``PretrainedModelFiles/open(path:)``, then the weights).
    ///
    /// - Throws: ``PretrainedModelError`` naming the path and the part that is missing, unsupported or corrupt,
    ///   a missing or unrecognised chat template included.
    public static func load(path: String, threadCount: Int) throws(PretrainedModelError) -> PretrainedModel {
        let files = try PretrainedModelFiles.open(path: path)
        let template = try files.chatTemplate.get()
        return PretrainedModel(
            model: try files.model(threadCount: threadCount), tokenizer: files.tokenizer, chatTemplate: template,
            source: files.source)
    }
}
