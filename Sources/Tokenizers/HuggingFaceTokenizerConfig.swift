public import Foundation

/// What Fulmen reads of a Hugging Face `tokenizer_config.json`: the BOS and EOS token texts, whether a BOS is added
/// to raw text, and the chat template.
public struct HuggingFaceTokenizerConfig: Sendable, Equatable {
    public var bosToken: String?
    public var eosToken: String?
    /// `add_bos_token`; nil when the file does not say.
    public var addsBOS: Bool?
    /// `chat_template`: the template text, or the one named `default` when the file lists several.
    public var chatTemplate: String?

    public init(bosToken: String? = nil, eosToken: String? = nil, addsBOS: Bool? = nil, chatTemplate: String? = nil) {
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.addsBOS = addsBOS
        self.chatTemplate = chatTemplate
    }

    /// Parses `tokenizer_config.json`.
    ///
    /// - Throws: ``TokenizerError/malformedTokenizerJSON(_:)`` when it is not a JSON object.
    public init(json: Data) throws(TokenizerError) {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw .malformedTokenizerJSON("tokenizer_config.json is not a JSON object")
        }
        func tokenText(_ key: String) -> String? {
            if let text = object[key] as? String { return text }
            return (object[key] as? [String: Any])?["content"] as? String
        }
        bosToken = tokenText("bos_token")
        eosToken = tokenText("eos_token")
        addsBOS = object["add_bos_token"] as? Bool
        if let template = object["chat_template"] as? String {
            chatTemplate = template
        } else if let templates = object["chat_template"] as? [[String: Any]] {
            chatTemplate = templates.first { $0["name"] as? String == "default" }?["template"] as? String
        }
    }
}
