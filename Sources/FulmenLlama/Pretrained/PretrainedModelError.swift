public import ModelFiles
public import Tokenizers

/// Why ``PretrainedModel/load(path:threadCount:)`` could not load a model: each case names the path and what in it
/// was wrong.
public enum PretrainedModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at the path.
    case notFound(path: String)
    /// A GGUF file that cannot be read (not GGUF, truncated, corrupt).
    case modelFile(path: String, GGUFError)
    /// The model's configuration or weights: another architecture, a missing or misshapen tensor, a dtype Fulmen
    /// does not read.
    case model(LlamaError)
    /// A Hugging Face directory without `tokenizer.json`.
    case missingTokenizer(directory: String)
    /// A tokenizer file Fulmen cannot read (`tokenizer.json`, `tokenizer_config.json`, or the GGUF's tokenizer
    /// metadata), or one of another kind than byte-level BPE.
    case tokenizer(path: String, TokenizerError)
    /// No chat template, or one no known family matches (never a silent fallback to plain text).
    case chatTemplate(path: String, ChatTemplateError)

    public var description: String {
        switch self {
        case .notFound(let path):
            "pretrained model: nothing at \(path) (expected a .gguf file or a Hugging Face directory)"
        case .modelFile(let path, let error): "pretrained model: \(path): \(error)"
        case .model(let error): "pretrained model: \(error)"
        case .missingTokenizer(let directory): "pretrained model: \(directory) has no tokenizer.json"
        case .tokenizer(let path, let error): "pretrained model: tokenizer of \(path): \(error)"
        case .chatTemplate(let path, let error): "pretrained model: chat template of \(path): \(error)"
        }
    }
}
