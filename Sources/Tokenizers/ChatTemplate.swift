/// A model's chat template: how a conversation becomes the prompt text the model was trained on.
///
/// There is no Jinja interpreter among the available packages, so the template text (GGUF's
/// `tokenizer.chat_template`, or `chat_template` in tokenizer_config.json) is recognised as one of the known
/// families by what its expressions say (``init(templateText:bosToken:)``), and each family is rendered by Swift
/// code that gives exactly what jinja2 gives (golden renders made with jinja2 check it). A template that is none of
/// them is an error, never a silent fallback.
///
/// The rendered text is tokenized with special tokens parsed and without an added BOS: a template that wants a BOS
/// writes it (``rendersBOS``), as Hugging Face's `apply_chat_template` does.
public struct ChatTemplate: Sendable, Equatable {
    /// The families of template this renderer knows.
    public enum Family: Sendable, Equatable {
        /// ChatML, `<|im_start|>{role}\n{content}<|im_end|>\n` per message, `<|im_start|>assistant\n` to prompt.
        case chatML
        /// ChatML as SmolLM2 writes it: inside the loop, when the first message is not a system message, its
        /// default system message goes first.
        case chatMLDefaultSystemFirst(String)
        /// ChatML as Qwen2.5 writes it: before the loop, the first message if it is a system message, else the default
        /// system message; the loop then skips that first system message. Fails on an empty conversation.
        case chatMLSystemBlock(String)
        /// Llama 3: `<|start_header_id|>{role}<|end_header_id|>\n\n{content, stripped}<|eot_id|>`, the BOS text
        /// before the first message, `<|start_header_id|>assistant<|end_header_id|>\n\n` to prompt.
        case llama3
    }

    public let family: Family
    /// The BOS token's text, which a Llama 3 template writes before the first message.
    public let bosToken: String?

    /// A template of a known family, with the BOS text it may write.
    public init(family: Family, bosToken: String? = nil) throws(ChatTemplateError) {
        if family == .llama3, bosToken == nil { throw .missingBOSToken }
        self.family = family
        self.bosToken = bosToken
    }

    /// The text that ends a message, on which a reply stops (`<|im_end|>` for ChatML, `<|eot_id|>` for Llama 3).
    public var endOfMessage: String {
        family == .llama3 ? "<|eot_id|>" : "<|im_end|>"
    }

    /// Whether the rendered text starts with the BOS text (so a tokenizer must not add another).
    public var rendersBOS: Bool { family == .llama3 }

    /// The prompt text of `messages`, ending with the opening of the assistant's reply when `addGenerationPrompt`.
    ///
    /// - Throws: ``ChatTemplateError/emptyConversation`` for a template that reads the first message of none.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws(ChatTemplateError) -> String {
        var text = ""
        switch family {
        case .chatML:
            for message in messages { text += chatML(message.role.rawValue, message.content) }
        case .chatMLDefaultSystemFirst(let defaultSystem):
            if let first = messages.first, first.role != .system { text += chatML("system", defaultSystem) }
            for message in messages { text += chatML(message.role.rawValue, message.content) }
        case .chatMLSystemBlock(let defaultSystem):
            guard let first = messages.first else { throw .emptyConversation }
            text += chatML("system", first.role == .system ? first.content : defaultSystem)
            for (index, message) in messages.enumerated() where !(index == 0 && message.role == .system) {
                text += chatML(message.role.rawValue, message.content)
            }
        case .llama3:
            for (index, message) in messages.enumerated() {
                if index == 0 { text += bosToken ?? "" }
                text += "<|start_header_id|>\(message.role.rawValue)<|end_header_id|>\n\n"
                text += PythonWhitespace.strip(message.content) + "<|eot_id|>"
            }
        }
        if addGenerationPrompt {
            text += family == .llama3 ? "<|start_header_id|>assistant<|end_header_id|>\n\n" : "<|im_start|>assistant\n"
        }
        return text
    }

    private func chatML(_ role: String, _ content: String) -> String { "<|im_start|>\(role)\n\(content)<|im_end|>\n" }
}

/// Python's `str.strip()`, which Jinja's `trim` filter calls: strips the scalars Python's `str.isspace` accepts
/// (Unicode White_Space, plus the information separators U+001C–U+001F).
enum PythonWhitespace {
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
