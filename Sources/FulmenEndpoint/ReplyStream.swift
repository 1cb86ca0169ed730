import Foundation
import Tokenizers

/// A reply as server-sent events, the way OpenAI streams (`stream: true`): a chunk per generated token, each
/// with its text delta and Fulmen's `token_ids`/`token_logprobs` for that token, then a chunk with the finish
/// reason, the usage when asked for (`stream_options.include_usage`), and `data: [DONE]`.
///
/// The policy model runs a call's whole batch at once, so the chunks are written when the call's generation
/// ends, not as each token is sampled; what a client receives is the same.
struct ReplyStream {
    let header: ReplyHeader
    let shape: ReplyShape
    let call: ModelCall
    let reply: ModelCall.Reply
    /// The model's tokenizer: deltas never end in half a character.
    let tokenizer: any TextTokenizer
    let includeUsage: Bool

    /// The events, each `data: JSON\n\n`.
    func events() throws -> [Data] {
        let encoder = JSONResponse.encoder
        var events: [Data] = []
        func send(_ chunk: some Encodable) throws {
            events.append(Data("data: ".utf8) + (try encoder.encode(chunk)) + Data("\n\n".utf8))
        }
        switch shape {
        case .chat: try send(chunk(ChatMessage(role: "assistant", content: ""), token: nil, finish: nil))
        case .completion(_, let echo?): try send(chunk(echo, token: nil, finish: nil))
        case .completion: break
        }
        let response = reply.response
        var text = UTF8StreamDecoder()
        for (i, token) in response.tokens.enumerated() {
            var delta = i < reply.visibleTokens ? text.push(tokenizer.tokenBytes(token) ?? []) : ""
            if i == reply.visibleTokens - 1 { delta += text.finish() }
            let step = (token, response.logProbabilities[i])
            switch shape {
            case .chat: try send(chunk(ChatMessage(role: nil, content: delta), token: step, finish: nil))
            case .completion: try send(chunk(delta, token: step, finish: nil))
            }
        }
        switch shape {
        case .chat:
            try send(chunk(ChatMessage(role: nil, content: nil), token: nil, finish: reply.finishReason))
            if includeUsage {
                try send(ReplyBody<ChatMessage, ChatLogprobs>(header, object: chunkObject, choices: [], usage: reply.usage(of: call)))
            }
        case .completion:
            try send(chunk("", token: nil, finish: reply.finishReason))
            if includeUsage {
                try send(ReplyBody<String, CompletionLogprobs>(header, object: chunkObject, choices: [], usage: reply.usage(of: call)))
            }
        }
        events.append(Data("data: [DONE]\n\n".utf8))
        return events
    }

    private var chunkObject: String {
        if case .chat = shape { "chat.completion.chunk" } else { "text_completion" }
    }

    /// A chat chunk carrying `delta` and, when given, one token.
    private func chunk(_ delta: ChatMessage, token: (Int32, Float)?, finish: String?) -> ReplyBody<ChatMessage, ChatLogprobs> {
        let logprobs: ChatLogprobs? = if case .chat(true) = shape, let token { ChatLogprobs([token.0], [token.1], tokenizer: tokenizer) } else { nil }
        return ReplyBody(
            header, object: chunkObject,
            choices: [
                .init(
                    partName: "delta", part: delta, logprobs: logprobs, finishReason: finish,
                    tokenIDs: token.map { [$0.0] } ?? [], tokenLogprobs: token.map { [$0.1] } ?? [])
            ])
    }

    /// A completion chunk carrying `text` and, when given, one token.
    private func chunk(_ text: String, token: (Int32, Float)?, finish: String?) -> ReplyBody<String, CompletionLogprobs> {
        let logprobs: CompletionLogprobs? =
            if case .completion(true, _) = shape, let token { CompletionLogprobs([token.0], [token.1], tokenizer: tokenizer) } else { nil }
        return ReplyBody(
            header, object: chunkObject,
            choices: [
                .init(
                    partName: "text", part: text, logprobs: logprobs, finishReason: finish,
                    tokenIDs: token.map { [$0.0] } ?? [], tokenLogprobs: token.map { [$0.1] } ?? [])
            ])
    }
}
