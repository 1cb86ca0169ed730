import Foundation
import Hummingbird
import Tokenizers

/// Token counts, as OpenAI reports them.
struct Usage: Encodable {
    let promptTokens: Int
    let completionTokens: Int
    var totalTokens: Int { promptTokens + completionTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
    }
}

/// The parts of a reply every response shape shares: OpenAI's fields, and Fulmen's extra fields with the
/// exact token ids and their log-probabilities (`token_ids`, `token_logprobs` in each choice, and
/// `prompt_token_ids`), so a client can train on what the model really saw and wrote.
struct ReplyHeader {
    let id: String
    let created: Int
    let model: String

    init(kind: String, model: String) {
        var generator = SystemRandomNumberGenerator()
        id = "\(kind)-" + String(generator.next() as UInt64, radix: 36)
        created = Int(Date().timeIntervalSince1970)
        self.model = model
    }
}

/// A reply as OpenAI's API writes it (a whole `chat.completion` or `text_completion`, or one streamed chunk),
/// with Fulmen's extra fields: `prompt_token_ids`, and in each choice `token_ids` and `token_logprobs`.
struct ReplyBody<Part: Encodable, Logprobs: Encodable>: Encodable {
    /// One choice: OpenAI's fields around the shape's own part (`message`, `delta` or `text`).
    struct Choice: Encodable {
        let partName: String
        let part: Part
        let logprobs: Logprobs?
        /// `nil` in a chunk while more is to come, written as null as clients expect.
        let finishReason: String?
        let tokenIDs: [Int32]
        let tokenLogprobs: [Float]

        private struct Key: CodingKey {
            let stringValue: String
            init(_ name: String) { stringValue = name }
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(0, forKey: Key("index"))
            try container.encode(part, forKey: Key(partName))
            try container.encodeIfPresent(logprobs, forKey: Key("logprobs"))
            try container.encode(finishReason, forKey: Key("finish_reason"))
            try container.encode(tokenIDs, forKey: Key("token_ids"))
            try container.encode(tokenLogprobs, forKey: Key("token_logprobs"))
        }
    }

    let id: String
    let object: String
    let created: Int
    let model: String
    let choices: [Choice]
    let usage: Usage?
    let promptTokenIDs: [Int32]?

    init(_ header: ReplyHeader, object: String, choices: [Choice], usage: Usage? = nil, promptTokenIDs: [Int32]? = nil) {
        id = header.id
        self.object = object
        created = header.created
        model = header.model
        self.choices = choices
        self.usage = usage
        self.promptTokenIDs = promptTokenIDs
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case promptTokenIDs = "prompt_token_ids"
    }
}

/// A chat reply's message, and a streamed chunk's delta of it.
struct ChatMessage: Encodable {
    let role: String?
    let content: String?
}

/// What a reply looks like: a chat completion or a text completion, with the options that change it.
enum ReplyShape {
    case chat(logprobs: Bool)
    /// `echo` is the prompt's text when the reply repeats it first.
    case completion(logprobs: Bool, echo: String?)

    /// The prefix of its replies' ids.
    var idKind: String {
        switch self {
        case .chat: "chatcmpl"
        case .completion: "cmpl"
        }
    }
}

extension ModelCall.Reply {
    /// The whole reply, a `chat.completion` or a `text_completion`, as a response.
    func whole(_ shape: ReplyShape, call: ModelCall, header: ReplyHeader, tokenizer: any TextTokenizer) throws -> Response {
        let usage = usage(of: call)
        switch shape {
        case .chat(let logprobs):
            return try JSONResponse.make(
                ReplyBody(
                    header, object: "chat.completion",
                    choices: [
                        choice(
                            "message", ChatMessage(role: "assistant", content: text),
                            logprobs: logprobs ? ChatLogprobs(response.tokens, response.logProbabilities, tokenizer: tokenizer) : nil)
                    ], usage: usage, promptTokenIDs: call.prompt))
        case .completion(let logprobs, let echo):
            return try JSONResponse.make(
                ReplyBody(
                    header, object: "text_completion",
                    choices: [
                        choice(
                            "text", (echo ?? "") + text,
                            logprobs: logprobs ? CompletionLogprobs(response.tokens, response.logProbabilities, tokenizer: tokenizer) : nil)
                    ], usage: usage, promptTokenIDs: call.prompt))
        }
    }

    /// The call's token counts.
    func usage(of call: ModelCall) -> Usage {
        Usage(promptTokens: call.prompt.count, completionTokens: response.tokens.count)
    }

    /// The reply's one choice, with `part` as its `partName` field.
    private func choice<Part, Logprobs>(_ partName: String, _ part: Part, logprobs: Logprobs?) -> ReplyBody<Part, Logprobs>.Choice {
        .init(
            partName: partName, part: part, logprobs: logprobs, finishReason: finishReason, tokenIDs: response.tokens,
            tokenLogprobs: response.logProbabilities)
    }
}

/// Chat log-probabilities: one entry per generated token (no alternatives).
struct ChatLogprobs: Encodable {
    struct Entry: Encodable {
        let token: String
        let logprob: Float
        let bytes: [UInt8]
        let topLogprobs: [Entry] = []

        enum CodingKeys: String, CodingKey {
            case token, logprob, bytes
            case topLogprobs = "top_logprobs"
        }
    }

    let content: [Entry]

    /// Each token's text is its bytes decoded alone (a byte of a split character reads as U+FFFD); `bytes` has
    /// them exactly.
    init(_ tokens: [Int32], _ logprobs: [Float], tokenizer: any TextTokenizer) {
        content = zip(tokens, logprobs).map { token, logprob in
            let bytes = Array(tokenizer.tokenBytes(token) ?? [])
            return Entry(token: String(decoding: bytes, as: UTF8.self), logprob: logprob, bytes: bytes)
        }
    }
}

/// Legacy completion log-probabilities.
struct CompletionLogprobs: Encodable {
    let tokens: [String]
    let tokenLogprobs: [Float]
    let textOffset: [Int]

    enum CodingKeys: String, CodingKey {
        case tokens
        case tokenLogprobs = "token_logprobs"
        case textOffset = "text_offset"
    }

    init(_ tokens: [Int32], _ logprobs: [Float], tokenizer: any TextTokenizer) {
        self.tokens = tokens.map { String(decoding: tokenizer.tokenBytes($0) ?? [], as: UTF8.self) }
        tokenLogprobs = logprobs
        var offset = 0
        textOffset = self.tokens.map { text in
            defer { offset += text.utf8.count }
            return offset
        }
    }
}

/// `GET /v1/models`.
struct ModelList: Encodable {
    struct Model: Encodable {
        let id: String
        let object = "model"
        let created = 0
        let ownedBy = "fulmen"

        enum CodingKeys: String, CodingKey {
            case id, object, created
            case ownedBy = "owned_by"
        }
    }

    let object = "list"
    let data: [Model]
}
