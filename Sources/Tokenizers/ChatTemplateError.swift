/// Why a chat template cannot be used or cannot render a conversation.
public enum ChatTemplateError: Error, Equatable, Sendable {
    /// The template text is none of the families ``ChatTemplate`` knows; says what was looked for and not found.
    case unrecognized(String)
    /// The template uses a feature whose output this renderer does not reproduce (Llama 3.1's tools and dates,
    /// `raise_exception` checks, reasoning blocks...), by the name it uses.
    case unsupportedFeature(String)
    /// A Llama 3 template writes `bos_token`, and none was given.
    case missingBOSToken
    /// The template reads the first message and there is none (jinja2 fails on it too).
    case emptyConversation
}
