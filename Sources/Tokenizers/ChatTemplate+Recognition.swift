extension ChatTemplate {
    /// Names whose use changes the output in ways the known families do not render (Llama 3.1's tools and dates,
    /// role checks that raise, Qwen3's reasoning blocks, stateful namespaces).
    static let unsupportedNames = [
        "raise_exception", "date_string", "custom_tools", "builtin_tools", "tools_in_user_message", "strftime_now",
        "enable_thinking", "reasoning_content", "namespace",
    ]

    /// The template whose text is `templateText` (GGUF `tokenizer.chat_template`, tokenizer_config.json
    /// `chat_template`), recognised by what its expressions render:
    /// - ChatML: an expression `'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n'` and
    ///   the generation prompt `'<|im_start|>assistant\n'`, in any spelling (quotes, spacing, `message.role`,
    ///   literals split or joined); with a literal `<|im_start|>system\n…<|im_end|>\n` as default system message,
    ///   SmolLM2's placement (`if loop.first and messages[0]['role'] != 'system'`) or Qwen2.5's (the first message
    ///   rendered before the loop, `message.role == "system" and not loop.first` inside it);
    /// - Llama 3: `'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim +
    ///   '<|eot_id|>'`, `bos_token` before the first message (`loop.index0 == 0`), and its generation prompt.
    ///
    /// - Throws: ``ChatTemplateError/unsupportedFeature(_:)`` naming a feature no family renders,
    ///   ``ChatTemplateError/unrecognized(_:)`` saying what is missing, ``ChatTemplateError/missingBOSToken``.
    public init(templateText: String, bosToken: String?) throws(ChatTemplateError) {
        try self.init(family: try Self.recognize(templateText), bosToken: bosToken)
    }

    static func recognize(_ templateText: String) throws(ChatTemplateError) -> Family {
        let features = JinjaTemplateFeatures(templateText)
        if let text = features.renderedOutsideText.first {
            throw .unrecognized("the template writes text outside its tags: \(text.debugDescription)")
        }
        if let name = unsupportedNames.first(where: features.names.contains) { throw .unsupportedFeature(name) }
        let role = JinjaTerm.variable("message [ 'role' ]")
        let content = JinjaTerm.variable("message [ 'content' ]")
        guard features.names.contains("add_generation_prompt") else {
            throw .unrecognized("the template never reads add_generation_prompt")
        }

        let llamaMessage: [JinjaTerm] = [
            .literal("<|start_header_id|>"), role, .literal("<|end_header_id|>\n\n"),
            .variable("message [ 'content' ] | trim"), .literal("<|eot_id|>"),
        ]
        if features.has(llamaMessage) {
            guard features.has([.literal("<|start_header_id|>assistant<|end_header_id|>\n\n")]) else {
                throw .unrecognized("Llama 3 messages without Llama 3's generation prompt")
            }
            guard features.expressions.contains(where: { $0.first == .variable("bos_token") }),
                features.hasStatement(containing: "if loop [ 'index0' ] == 0")
            else { throw .unrecognized("Llama 3 messages without bos_token before the first message") }
            return .llama3
        }

        let chatMLMessage: [JinjaTerm] = [.literal("<|im_start|>"), role, .literal("\n"), content, .literal("<|im_end|>\n")]
        guard features.has(chatMLMessage) else {
            throw .unrecognized("neither a ChatML nor a Llama 3 message expression")
        }
        guard features.has([.literal("<|im_start|>assistant\n")]) else {
            throw .unrecognized("ChatML messages without the generation prompt <|im_start|>assistant\\n")
        }
        let readsFirstMessage = features.statements.contains { $0.contains("messages [ 0 ]") }
            || features.expressions.contains { $0.contains(.variable("messages [ 0 ] [ 'content' ]")) }
        guard let defaultSystem = defaultSystemMessage(features) else {
            guard !readsFirstMessage else {
                throw .unrecognized("ChatML that reads the first message but has no default system message")
            }
            return .chatML
        }
        if features.hasStatement(containing: "if loop [ 'first' ] and messages [ 0 ] [ 'role' ] != 'system'") {
            return .chatMLDefaultSystemFirst(defaultSystem)
        }
        if features.has([.literal("<|im_start|>system\n"), .variable("messages [ 0 ] [ 'content' ]"), .literal("<|im_end|>\n")]),
            features.hasStatement(containing: "message [ 'role' ] == 'system' and not loop [ 'first' ]")
        {
            return .chatMLSystemBlock(defaultSystem)
        }
        throw .unrecognized("ChatML with a default system message placed neither as SmolLM2 nor as Qwen2.5 place it")
    }

    /// The text of a literal `<|im_start|>system\n…<|im_end|>\n` that the template outputs whole.
    private static func defaultSystemMessage(_ features: JinjaTemplateFeatures) -> String? {
        let prefix = "<|im_start|>system\n", suffix = "<|im_end|>\n"
        for expression in features.expressions {
            guard expression.count == 1, case .literal(let text) = expression[0] else { continue }
            let bytes = Array(text.utf8)
            guard bytes.count > prefix.utf8.count + suffix.utf8.count, bytes.starts(with: prefix.utf8),
                bytes.reversed().starts(with: suffix.utf8.reversed())
            else { continue }
            return String(decoding: bytes.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count), as: UTF8.self)
        }
        return nil
    }
}
