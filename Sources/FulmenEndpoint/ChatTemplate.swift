import FulmenModel

/// How chat messages become the token ids the policy model continues.
///
/// The policy is a byte-level model (``Tokenizer``), so the template decides everything it sees of a
/// conversation. Two templates:
/// - ``plain``: each message's text followed by a newline (unless it already ends with one), roles unmarked,
///   nothing added for the reply. The bundled tasks' formats carry their own markers (`Q:`, `C:`, `A:`), so a
///   chat agent sending `[user "Q:12+5"]`, then `[user "Q:12+5", assistant "C:12+5", user "R:17"]`, shows the
///   model exactly the transcript an in-process agent does, and demonstrations for one train the other.
/// - ``roles``: each message as its role's special token (`<|system|>`, `<|user|>`, `<|assistant|>`, `<|tool|>`),
///   its text and `<|endoftext|>`, then `<|assistant|>` to prompt the reply, which ends at `<|endoftext|>`.
public enum ChatTemplate: String, Sendable, CaseIterable {
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

    /// The prompt for a conversation.
    func render(_ messages: [(role: Role, text: String)]) -> [Int32] {
        switch self {
        case .plain:
            return messages.flatMap { message in
                Tokenizer.encode(message.text.hasSuffix("\n") ? message.text : message.text + "\n")
            }
        case .roles:
            let end = Tokenizer.SpecialToken.endOfText.id
            return messages.flatMap { message in
                [Self.token(for: message.role)] + Tokenizer.encode(message.text) + [end]
            } + [Tokenizer.SpecialToken.assistant.id]
        }
    }

    /// Stop sequences every reply has under this template, besides those the request gives.
    var replyStops: [[Int32]] {
        switch self {
        case .plain: []
        case .roles: [[Tokenizer.SpecialToken.endOfText.id]]
        }
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
