import FulmenModel
import Foundation

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

/// `chat.completion` and its streamed `chat.completion.chunk`s.
struct ChatCompletionResponse: Encodable {
    struct Message: Encodable {
        let role = "assistant"
        let content: String
    }

    struct Choice: Encodable {
        let index = 0
        let message: Message
        let logprobs: ChatLogprobs?
        let finishReason: String
        let tokenIDs: [Int32]
        let tokenLogprobs: [Float]

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
            case tokenIDs = "token_ids"
            case tokenLogprobs = "token_logprobs"
        }
    }

    let id: String
    let object = "chat.completion"
    let created: Int
    let model: String
    let choices: [Choice]
    let usage: Usage
    let promptTokenIDs: [Int32]

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case promptTokenIDs = "prompt_token_ids"
    }

    init(_ header: ReplyHeader, call: ModelCall, reply: ModelCall.Reply, logprobs: Bool) {
        id = header.id
        created = header.created
        model = header.model
        let response = reply.response
        choices = [
            Choice(
                message: Message(content: reply.text),
                logprobs: logprobs ? ChatLogprobs(response.tokens, response.logProbabilities) : nil,
                finishReason: reply.finishReason, tokenIDs: response.tokens, tokenLogprobs: response.logProbabilities)
        ]
        usage = Usage(promptTokens: call.prompt.count, completionTokens: response.tokens.count)
        promptTokenIDs = call.prompt
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

    init(_ tokens: [Int32], _ logprobs: [Float]) {
        content = zip(tokens, logprobs).map { token, logprob in
            let text = Tokenizer.decode([token])
            let bytes = Tokenizer.SpecialToken(rawValue: token) == nil ? [UInt8(truncatingIfNeeded: token)] : Array(text.utf8)
            return Entry(token: text, logprob: logprob, bytes: bytes)
        }
    }
}

/// `text_completion`.
struct CompletionResponse: Encodable {
    struct Choice: Encodable {
        let index = 0
        let text: String
        let logprobs: CompletionLogprobs?
        let finishReason: String
        let tokenIDs: [Int32]
        let tokenLogprobs: [Float]

        enum CodingKeys: String, CodingKey {
            case index, text, logprobs
            case finishReason = "finish_reason"
            case tokenIDs = "token_ids"
            case tokenLogprobs = "token_logprobs"
        }
    }

    let id: String
    let object = "text_completion"
    let created: Int
    let model: String
    let choices: [Choice]
    let usage: Usage
    let promptTokenIDs: [Int32]

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case promptTokenIDs = "prompt_token_ids"
    }

    init(_ header: ReplyHeader, call: ModelCall, reply: ModelCall.Reply, logprobs: Bool, echo: String?) {
        id = header.id
        created = header.created
        model = header.model
        let response = reply.response
        choices = [
            Choice(
                text: (echo ?? "") + reply.text,
                logprobs: logprobs ? CompletionLogprobs(response.tokens, response.logProbabilities) : nil,
                finishReason: reply.finishReason, tokenIDs: response.tokens, tokenLogprobs: response.logProbabilities)
        ]
        usage = Usage(promptTokens: call.prompt.count, completionTokens: response.tokens.count)
        promptTokenIDs = call.prompt
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

    init(_ tokens: [Int32], _ logprobs: [Float]) {
        self.tokens = tokens.map { Tokenizer.decode([$0]) }
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
