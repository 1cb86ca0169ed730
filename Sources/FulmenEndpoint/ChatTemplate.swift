import FulmenModel
import Tokenizers

/// How chat messages become the token ids the policy model continues.
///
/// - ``auto`` (the default): the model's own template, read from its file and rendered as Hugging Face's `jinja2`
///   would (ChatML for SmolLM2 and Qwen, Llama 3's), with the reply ending at its end-of-turn token. A template
///   Fulmen does not recognise is refused by name, never replaced. A GPT has no template of its own: `auto` is
///   ``plain`` for it.
/// - ``plain``: each message's text followed by a newline (unless it already ends with one), roles unmarked,
///   nothing added for the reply. The bundled tasks' formats carry their own markers (`Q:`, `C:`, `A:`), so a
///   chat agent sending `[user "Q:12+5"]`, then `[user "Q:12+5", assistant "C:12+5", user "R:17"]`, shows the
///   model exactly the transcript an in-process agent does, and demonstrations for one train the other.
/// - ``roles``: the GPT's role tokens: each message as its role's special token (`<|system|>`, `<|user|>`,
///   `<|assistant|>`, `<|tool|>`), its text and `<|endoftext|>`, then `<|assistant|>` to prompt the reply, which
///   ends at `<|endoftext|>`. Only a GPT has those tokens.
///
/// Model templates without a tool role (ChatML's SmolLM2) get tool results as `user` messages, and `developer`
/// messages as `system` ones.
public enum ChatTemplate: String, Sendable, CaseIterable {
    case auto
    case plain
    case roles

    /// A chat message's role.
    enum Role: String, Sendable, CaseIterable {
        case system
        /// OpenAI's newer name for system instructions.
        case developer
        case user
        case assistant
        case tool
    }

    /// A rendered conversation: the prompt, and the stop sequences every reply has under the template besides
    /// those the request gives.
    struct Prompt {
        let tokens: [Int32]
        let replyStops: [[Int32]]
    }

    /// The prompt for a conversation, for a model with `tokenizer` and its own template `modelTemplate` (nil for
    /// a GPT).
    ///
    /// - Throws: ``OpenAIError`` when the model's template cannot be rendered, or `roles` is asked of a model
    ///   without the GPT's role tokens.
    func render(
        _ messages: [(role: Role, text: String)], tokenizer: any TextTokenizer,
        modelTemplate: Result<Tokenizers.ChatTemplate, ChatTemplateError>?
    ) throws(OpenAIError) -> Prompt {
        switch (self, modelTemplate) {
        case (.auto, let template?):
            return try Self.render(messages, with: template, tokenizer: tokenizer)
        case (.auto, nil), (.plain, _):
            let tokens = messages.flatMap { message in
                tokenizer.encode(message.text.hasSuffix("\n") ? message.text : message.text + "\n", parsingSpecialTokens: false)
            }
            return Prompt(tokens: tokens, replyStops: [])
        case (.roles, nil):
            let end = Tokenizer.SpecialToken.endOfText.id
            let tokens =
                messages.flatMap { message in
                    [Self.token(for: message.role)] + Tokenizer.encode(message.text) + [end]
                } + [Tokenizer.SpecialToken.assistant.id]
            return Prompt(tokens: tokens, replyStops: [[end]])
        case (.roles, _?):
            throw OpenAIError(
                .badRequest, "the endpoint's chat template 'roles' is the GPT's; this model has its own (serve with 'auto')",
                type: "invalid_request_error", code: "chat_template")
        }
    }

    /// The conversation in the model's own template, special tokens parsed, no BOS added unless the template
    /// writes one (``Tokenizers/ChatTemplate/rendersBOS``): Hugging Face's rule, which llama.cpp breaks by adding
    /// the GGUF's BOS in front of a ChatML prompt too.
    private static func render(
        _ messages: [(role: Role, text: String)], with template: Result<Tokenizers.ChatTemplate, ChatTemplateError>,
        tokenizer: any TextTokenizer
    ) throws(OpenAIError) -> Prompt {
        let text: String
        do {
            let template = try template.get()
            let chat = messages.map { message in
                let role: ChatRole =
                    switch message.role {
                    case .system, .developer: .system
                    case .user, .tool: .user
                    case .assistant: .assistant
                    }
                return Tokenizers.ChatMessage(role: role, content: message.text)
            }
            text = try template.render(chat, addGenerationPrompt: true)
        } catch {
            throw OpenAIError(
                .badRequest, "the model's chat template cannot be rendered: \(error)", type: "invalid_request_error",
                code: "chat_template")
        }
        let stops = tokenizer.stopTokenIDs.sorted().map { [$0] }
        return Prompt(tokens: tokenizer.encode(text, parsingSpecialTokens: true), replyStops: stops)
    }

    private static func token(for role: Role) -> Int32 {
        switch role {
        case .system, .developer: Tokenizer.SpecialToken.system.id
        case .user: Tokenizer.SpecialToken.user.id
        case .assistant: Tokenizer.SpecialToken.assistant.id
        case .tool: Tokenizer.SpecialToken.tool.id
        }
    }
}
