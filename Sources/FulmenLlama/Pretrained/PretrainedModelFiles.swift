import Foundation
import ModelFiles
public import Tokenizers

/// A pretrained model's files opened, its weights not yet read: the tokenizer, the chat template, and where the
/// weights are (a memory-mapped GGUF, or a Hugging Face directory's safetensors). Reading the weights
/// (``model(threadCount:)``) takes seconds and hundreds of megabytes; a reader of recorded token ids needs only the
/// tokenizer.
public struct PretrainedModelFiles {
    /// The model's tokenizer.
    public let tokenizer: any TextTokenizer
    /// The model's chat template, or why it has none Fulmen can render: a base model may have none, and an
    /// unrecognised template is an error when a chat is rendered, never a silent fallback.
    public let chatTemplate: Result<ChatTemplate, PretrainedModelError>
    public let source: ModelSource
    private let weights: Weights

    private enum Weights {
        case gguf(GGUFFile)
        case huggingFace(HuggingFaceModelDirectory)
    }

    /// Opens the model at `path`: a directory is read as a Hugging Face model directory, a file as GGUF.
    ///
    /// - Throws: ``PretrainedModelError`` naming the path and the part that is missing, unsupported or corrupt.
    public static func open(path: String) throws(PretrainedModelError) -> PretrainedModelFiles {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound(path: path)
        }
        return isDirectory.boolValue ? try openHuggingFace(directory: path) : try openGGUF(path: path)
    }

    /// The decoder with the files' weights.
    ///
    /// - Throws: ``PretrainedModelError/model(_:)`` naming the tensor, type or setting Fulmen cannot run.
    public func model(
        threadCount: Int, decodingWeights: LlamaDecodingWeights = .compact
    ) throws(PretrainedModelError) -> Llama {
        do {
            switch weights {
            case .gguf(let file):
                return try Llama(gguf: file, threadCount: threadCount, decodingWeights: decodingWeights)
            case .huggingFace(let directory):
                return try Llama(huggingFace: directory, threadCount: threadCount, decodingWeights: decodingWeights)
            }
        } catch {
            throw .model(error)
        }
    }

    private static func openGGUF(path: String) throws(PretrainedModelError) -> PretrainedModelFiles {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw .modelFile(path: path, error) }
        let tokenizer: ByteLevelBPETokenizer
        do { tokenizer = try ByteLevelBPETokenizer(gguf: file) } catch { throw .tokenizer(path: path, error) }
        let template = Result { () throws(PretrainedModelError) -> ChatTemplate in
            do throws(ChatTemplateError) { return try ChatTemplate(gguf: file, tokenizer: tokenizer) } catch {
                throw .chatTemplate(path: path, error)
            }
        }
        return PretrainedModelFiles(tokenizer: tokenizer, chatTemplate: template, source: .gguf(path: path), weights: .gguf(file))
    }

    private static func openHuggingFace(directory path: String) throws(PretrainedModelError) -> PretrainedModelFiles {
        let directory: HuggingFaceModelDirectory
        do { directory = try HuggingFaceModelDirectory(directory: path) } catch {
            throw .model(.modelDirectory(error))
        }
        guard let tokenizerPath = directory.tokenizerPath else { throw .missingTokenizer(directory: path) }
        var config: HuggingFaceTokenizerConfig?
        if let configPath = directory.tokenizerConfigPath {
            let data = try read(configPath)
            do { config = try HuggingFaceTokenizerConfig(json: data) } catch {
                throw .tokenizer(path: configPath, error)
            }
        }
        let json = try read(tokenizerPath)
        let tokenizer: ByteLevelBPETokenizer
        do { tokenizer = try ByteLevelBPETokenizer(huggingFaceJSON: json, config: config) } catch {
            throw .tokenizer(path: tokenizerPath, error)
        }
        let template = Result { () throws(PretrainedModelError) in try chatTemplate(directory: path, config: config) }
        return PretrainedModelFiles(
            tokenizer: tokenizer, chatTemplate: template, source: .hfDirectory(path: path), weights: .huggingFace(directory))
    }

    /// The template of `tokenizer_config.json`'s `chat_template`, or of `chat_template.jinja` (where newer
    /// transformers versions save it).
    private static func chatTemplate(directory: String, config: HuggingFaceTokenizerConfig?)
        throws(PretrainedModelError) -> ChatTemplate
    {
        var text = config?.chatTemplate
        let jinja = URL(fileURLWithPath: directory).appendingPathComponent("chat_template.jinja").path
        if text == nil, FileManager.default.fileExists(atPath: jinja) {
            text = String(decoding: try read(jinja), as: UTF8.self)
        }
        guard let text else {
            throw .chatTemplate(
                path: directory,
                .unrecognized("neither tokenizer_config.json's chat_template nor chat_template.jinja is there"))
        }
        do { return try ChatTemplate(templateText: text, bosToken: config?.bosToken) } catch {
            throw .chatTemplate(path: directory, error)
        }
    }

    private static func read(_ path: String) throws(PretrainedModelError) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .tokenizer(path: path, .malformedTokenizerJSON("cannot read: \(error.localizedDescription)"))
        }
    }
}
