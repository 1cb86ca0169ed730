import Foundation

/// The fields chat and text completion requests share: the model named, how to sample, whether to stream.
/// Others that clients commonly send (`user`, `frequency_penalty`, `presence_penalty`, `seed`, …) are accepted
/// and ignored: the runner seeds every call of an attempt itself, so a retried attempt samples afresh.
struct CallFields: Decodable {
    let model: String
    let temperature: Float?
    let topP: Float?
    let n: Int?
    let stop: StopSequences?
    let stream: Bool?
    let streamOptions: StreamOptions?

    enum CodingKeys: String, CodingKey {
        case model, temperature, n, stop, stream
        case topP = "top_p"
        case streamOptions = "stream_options"
    }
}

/// `POST /v1/chat/completions`, the fields Fulmen reads.
struct ChatCompletionRequest: Decodable {
    struct Message: Decodable {
        let role: String
        let content: MessageContent?
    }

    let fields: CallFields
    let messages: [Message]
    let maxTokens: Int?
    let maxCompletionTokens: Int?
    let logprobs: Bool?
    let topLogprobs: Int?

    enum CodingKeys: String, CodingKey {
        case messages, logprobs
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topLogprobs = "top_logprobs"
    }

    init(from decoder: any Decoder) throws {
        fields = try CallFields(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messages = try container.decode([Message].self, forKey: .messages)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        maxCompletionTokens = try container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
        logprobs = try container.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try container.decodeIfPresent(Int.self, forKey: .topLogprobs)
    }
}

/// `POST /v1/completions`: a prompt as text or as token ids.
struct CompletionRequest: Decodable {
    let fields: CallFields
    let prompt: Prompt
    let maxTokens: Int?
    let logprobs: Int?
    let echo: Bool?

    enum CodingKeys: String, CodingKey {
        case prompt, logprobs, echo
        case maxTokens = "max_tokens"
    }

    init(from decoder: any Decoder) throws {
        fields = try CallFields(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try container.decode(Prompt.self, forKey: .prompt)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        logprobs = try container.decodeIfPresent(Int.self, forKey: .logprobs)
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo)
    }
}

/// A completion prompt: text, or the token ids themselves (one prompt; a batch of prompts is refused).
enum Prompt: Decodable {
    case text(String)
    case tokens([Int])
    case batch(Int)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let tokens = try? container.decode([Int].self) {
            self = .tokens(tokens)
        } else if let texts = try? container.decode([String].self) {
            self = texts.count == 1 ? .text(texts[0]) : .batch(texts.count)
        } else if let lists = try? container.decode([[Int]].self) {
            self = lists.count == 1 ? .tokens(lists[0]) : .batch(lists.count)
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: container.codingPath, debugDescription: "a prompt is a string or token ids"))
        }
    }
}

/// A message's content: text, or a list of parts of which only text parts are understood.
struct MessageContent: Decodable {
    let text: String

    private struct Part: Decodable {
        let type: String
        let text: String?
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.text = text
            return
        }
        let parts = try container.decode([Part].self)
        if let other = parts.first(where: { $0.type != "text" || $0.text == nil }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "a '\(other.type)' part: the policy model reads text parts only"))
        }
        text = parts.compactMap(\.text).joined()
    }
}

/// `stop`: one string or several.
struct StopSequences: Decodable {
    let sequences: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            sequences = [one]
        } else {
            sequences = try container.decode([String].self)
        }
    }
}

struct StreamOptions: Decodable {
    let includeUsage: Bool?

    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// `POST …/reward`: a reward for the attempt. Rewards are final unless they say otherwise; the last final one
/// is the episode's.
struct RewardRequest: Decodable {
    let value: Double
    let name: String?
    let final: Bool?
}
