import FulmenModel
import Foundation

/// A reply as server-sent events, the way OpenAI streams (`stream: true`): a chunk per generated token, each
/// with its text delta and Fulmen's `token_ids`/`token_logprobs` for that token, then a chunk with the finish
/// reason, the usage when asked for (`stream_options.include_usage`), and `data: [DONE]`.
///
/// The policy model runs a call's whole batch at once, so the chunks are written when the call's generation
/// ends, not as each token is sampled; what a client receives is the same.
struct ReplyStream {
    enum Shape {
        case chat(logprobs: Bool)
        case completion(logprobs: Bool, echo: String?)
    }

    let header: ReplyHeader
    let shape: Shape
    let call: ModelCall
    let reply: ModelCall.Reply
    let includeUsage: Bool

    /// The events, each `data: JSON\n\n`.
    func events() throws -> [Data] {
        let encoder = JSONResponse.encoder
        var events: [Data] = []
        func send(_ chunk: some Encodable) throws {
            events.append(Data("data: ".utf8) + (try encoder.encode(chunk)) + Data("\n\n".utf8))
        }
        let response = reply.response
        switch shape {
        case .chat:
            try send(chatChunk(delta: ChatDelta(role: "assistant", content: ""), token: nil, finish: nil))
        case .completion(_, let echo?):
            try send(completionChunk(text: echo, token: nil, finish: nil))
        case .completion:
            break
        }
        var text = TokenTextStream()
        for (i, token) in response.tokens.enumerated() {
            var delta = i < reply.visibleTokens ? text.append(token) : ""
            if i == reply.visibleTokens - 1 { delta += text.flush() }
            let step = (token, response.logProbabilities[i])
            switch shape {
            case .chat: try send(chatChunk(delta: ChatDelta(role: nil, content: delta), token: step, finish: nil))
            case .completion: try send(completionChunk(text: delta, token: step, finish: nil))
            }
        }
        switch shape {
        case .chat: try send(chatChunk(delta: ChatDelta(role: nil, content: nil), token: nil, finish: reply.finishReason))
        case .completion: try send(completionChunk(text: "", token: nil, finish: reply.finishReason))
        }
        if includeUsage {
            let object = if case .chat = shape { "chat.completion.chunk" } else { "text_completion" }
            try send(
                UsageChunk(
                    id: header.id, object: object, created: header.created, model: header.model,
                    usage: Usage(promptTokens: call.prompt.count, completionTokens: response.tokens.count)))
        }
        events.append(Data("data: [DONE]\n\n".utf8))
        return events
    }

    private func chatChunk(delta: ChatDelta, token: (Int32, Float)?, finish: String?) -> ChatChunk {
        let logprobs: ChatLogprobs? =
            if case .chat(true) = shape, let token { ChatLogprobs([token.0], [token.1]) } else { nil }
        return ChatChunk(
            id: header.id, created: header.created, model: header.model,
            choices: [
                .init(
                    delta: delta, logprobs: logprobs, finishReason: finish, tokenIDs: token.map { [$0.0] } ?? [],
                    tokenLogprobs: token.map { [$0.1] } ?? [])
            ])
    }

    private func completionChunk(text: String, token: (Int32, Float)?, finish: String?) -> CompletionChunk {
        let logprobs: CompletionLogprobs? =
            if case .completion(true, _) = shape, let token { CompletionLogprobs([token.0], [token.1]) } else { nil }
        return CompletionChunk(
            id: header.id, created: header.created, model: header.model,
            choices: [
                .init(
                    text: text, logprobs: logprobs, finishReason: finish, tokenIDs: token.map { [$0.0] } ?? [],
                    tokenLogprobs: token.map { [$0.1] } ?? [])
            ])
    }
}

struct ChatDelta: Encodable {
    let role: String?
    let content: String?
}

/// A `chat.completion.chunk`.
struct ChatChunk: Encodable {
    struct Choice: Encodable {
        let index = 0
        let delta: ChatDelta
        let logprobs: ChatLogprobs?
        let finishReason: String?
        let tokenIDs: [Int32]
        let tokenLogprobs: [Float]

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
            case tokenIDs = "token_ids"
            case tokenLogprobs = "token_logprobs"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encodeIfPresent(logprobs, forKey: .logprobs)
            // Clients read a null finish reason as "more to come".
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(tokenIDs, forKey: .tokenIDs)
            try container.encode(tokenLogprobs, forKey: .tokenLogprobs)
        }
    }

    let id: String
    let object = "chat.completion.chunk"
    let created: Int
    let model: String
    let choices: [Choice]
}

/// A streamed `text_completion` chunk.
struct CompletionChunk: Encodable {
    struct Choice: Encodable {
        let index = 0
        let text: String
        let logprobs: CompletionLogprobs?
        let finishReason: String?
        let tokenIDs: [Int32]
        let tokenLogprobs: [Float]

        enum CodingKeys: String, CodingKey {
            case index, text, logprobs
            case finishReason = "finish_reason"
            case tokenIDs = "token_ids"
            case tokenLogprobs = "token_logprobs"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(text, forKey: .text)
            try container.encodeIfPresent(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(tokenIDs, forKey: .tokenIDs)
            try container.encode(tokenLogprobs, forKey: .tokenLogprobs)
        }
    }

    let id: String
    let object = "text_completion"
    let created: Int
    let model: String
    let choices: [Choice]
}

/// The last chunk before `[DONE]` when the client asked for usage: no choices, the call's token counts.
struct UsageChunk: Encodable {
    let id: String
    let object: String
    let created: Int
    let model: String
    let choices: [Int] = []
    let usage: Usage
}
