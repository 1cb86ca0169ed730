/// Where a pretrained model was loaded from: a GGUF file or a Hugging Face model directory, by path.
public enum ModelSource: Sendable, Hashable, CustomStringConvertible {
    /// A llama.cpp GGUF file.
    case gguf(path: String)
    /// A Hugging Face model directory (`config.json`, safetensors, `tokenizer.json`, `tokenizer_config.json`).
    case hfDirectory(path: String)

    /// The file's or directory's path.
    public var path: String {
        switch self {
        case .gguf(let path), .hfDirectory(let path): path
        }
    }

    public var description: String {
        switch self {
        case .gguf(let path): "GGUF file \(path)"
        case .hfDirectory(let path): "Hugging Face directory \(path)"
        }
    }
}
