public import Foundation
public import ModelFiles
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

    /// Loads the model at `path`: a directory is read as a Hugging Face model directory, a file as GGUF.
    ///
    /// - Throws: ``PretrainedModelError`` naming the path and the part that is missing, unsupported or corrupt.
    public static func load(path: String, threadCount: Int) throws(PretrainedModelError) -> PretrainedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notFound(path: path)
        }
        return isDirectory.boolValue
            ? try loadHuggingFace(directory: path, threadCount: threadCount)
            : try loadGGUF(path: path, threadCount: threadCount)
    }

    private static func loadGGUF(path: String, threadCount: Int) throws(PretrainedModelError) -> PretrainedModel {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw .modelFile(path: path, error) }
        let model: Llama
        do { model = try Llama(gguf: file, threadCount: threadCount) } catch { throw .model(error) }
        let tokenizer: ByteLevelBPETokenizer
        do { tokenizer = try ByteLevelBPETokenizer(gguf: file) } catch { throw .tokenizer(path: path, error) }
        let template: ChatTemplate
        do { template = try ChatTemplate(gguf: file, tokenizer: tokenizer) } catch {
            throw .chatTemplate(path: path, error)
        }
        return PretrainedModel(model: model, tokenizer: tokenizer, chatTemplate: template, source: .gguf(path: path))
    }

    private static func loadHuggingFace(directory path: String, threadCount: Int) throws(PretrainedModelError)
        -> PretrainedModel
    {
        let directory: HuggingFaceModelDirectory
        do { directory = try HuggingFaceModelDirectory(directory: path) } catch {
            throw .model(.modelDirectory(error))
        }
        let model: Llama
        do { model = try Llama(huggingFace: directory, threadCount: threadCount) } catch { throw .model(error) }
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
        let template = try chatTemplate(directory: path, config: config)
        return PretrainedModel(
            model: model, tokenizer: tokenizer, chatTemplate: template, source: .hfDirectory(path: path))
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
