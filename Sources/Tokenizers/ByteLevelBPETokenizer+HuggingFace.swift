public import Foundation

extension ByteLevelBPETokenizer {
    /// A tokenizer from a Hugging Face `tokenizer.json` of a byte-level BPE model, with its `tokenizer_config.json`
    /// for the BOS/EOS texts and `add_bos_token`.
    ///
    /// Accepted: model `BPE` (merges as `"a b"` strings or `["a", "b"]` pairs, no byte fallback, no subword
    /// prefix or suffix), no normalizer, and a pre-tokenizer that is GPT-2's `ByteLevel` (``PreTokenizer/gpt2``),
    /// `Digits(individual_digits)` then `ByteLevel` (``PreTokenizer/smollm``), or Llama 3's `Split` then
    /// `ByteLevel` without regex (``PreTokenizer/llama3``). Added tokens marked `special` become control tokens,
    /// the others user-defined ones. Without a config, the BOS is the `TemplateProcessing` post-processor's first
    /// special token, if it has one, and is then added to raw text.
    ///
    /// - Throws: ``TokenizerError/malformedTokenizerJSON(_:)`` or ``TokenizerError/unsupportedTokenizerJSON(_:)``
    ///   naming the part, or any error of the GGUF initializer.
    public init(huggingFaceJSON json: Data, config: HuggingFaceTokenizerConfig? = nil) throws(TokenizerError) {
        guard let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw .malformedTokenizerJSON("tokenizer.json is not a JSON object")
        }
        guard let model = root["model"] as? [String: Any] else { throw .malformedTokenizerJSON("no model") }
        let modelType = model["type"] as? String ?? "BPE"
        guard modelType == "BPE" else { throw .unsupportedTokenizerJSON("model type \(modelType)") }
        if model["byte_fallback"] as? Bool == true { throw .unsupportedTokenizerJSON("BPE byte_fallback") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key] as? String, !value.isEmpty {
                throw .unsupportedTokenizerJSON("BPE \(key) \(value)")
            }
        }
        if let normalizer = root["normalizer"] as? [String: Any] {
            throw .unsupportedTokenizerJSON("normalizer \(normalizer["type"] as? String ?? "?")")
        }
        let preTokenizer = try Self.preTokenizer(root["pre_tokenizer"])

        guard let vocab = model["vocab"] as? [String: Int] else { throw .malformedTokenizerJSON("model.vocab") }
        let added = (root["added_tokens"] as? [[String: Any]]) ?? []
        var entries: [Int: (String, TokenKind)] = [:]
        entries.reserveCapacity(vocab.count + added.count)
        for (text, id) in vocab { entries[id] = (text, .normal) }
        for token in added {
            guard let id = token["id"] as? Int, let text = token["content"] as? String else {
                throw .malformedTokenizerJSON("added_tokens entry without id or content")
            }
            entries[id] = (text, token["special"] as? Bool == true ? .control : .userDefined)
        }
        let count = (entries.keys.max() ?? -1) + 1
        var tokens: [String] = []
        var kinds: [TokenKind] = []
        tokens.reserveCapacity(count)
        kinds.reserveCapacity(count)
        for id in 0..<count {
            guard let (text, kind) = entries[id] else { throw .malformedTokenizerJSON("no token has id \(id)") }
            tokens.append(text)
            kinds.append(kind)
        }

        var pairs: [(Substring, Substring)] = []
        let rawMerges = model["merges"] as? [Any] ?? []
        pairs.reserveCapacity(rawMerges.count)
        for (rank, merge) in rawMerges.enumerated() {
            if let line = merge as? String {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw .malformedMerge(line, rank: rank)
                }
                pairs.append((parts[0], parts[1]))
            } else if let pair = merge as? [String], pair.count == 2 {
                pairs.append((Substring(pair[0]), Substring(pair[1])))
            } else {
                throw .malformedMerge("\(merge)", rank: rank)
            }
        }

        let templateBOS = Self.templateBOS(root["post_processor"])
        let bosText = config?.bosToken ?? templateBOS
        let index = Dictionary(tokens.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        func id(_ text: String?, role: String) throws(TokenizerError) -> Int32? {
            guard let text else { return nil }
            guard let id = index[text] else { throw .implausibleSpecialToken(role: role, id: -1, text: text) }
            return id
        }
        try self.init(
            tokens: tokens, kinds: kinds, mergePairs: pairs, preTokenizer: preTokenizer,
            bosTokenID: try id(bosText, role: "BOS"), eosTokenID: try id(config?.eosToken, role: "EOS"),
            addsBOS: config?.addsBOS ?? (templateBOS != nil))
    }

    /// The pre-tokenizer a `tokenizer.json` describes, if it is one this package implements.
    private static func preTokenizer(_ value: Any?) throws(TokenizerError) -> PreTokenizer {
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw .unsupportedTokenizerJSON("no pre_tokenizer")
        }
        func isByteLevel(_ step: [String: Any], regex: Bool) -> Bool {
            step["type"] as? String == "ByteLevel" && step["add_prefix_space"] as? Bool != true
                && (step["use_regex"] as? Bool ?? true) == regex
        }
        if isByteLevel(object, regex: true) { return .gpt2 }
        let steps = type == "Sequence" ? (object["pretokenizers"] as? [[String: Any]] ?? []) : []
        if steps.count == 2, steps[0]["type"] as? String == "Digits", steps[0]["individual_digits"] as? Bool == true,
            isByteLevel(steps[1], regex: true)
        {
            return .smollm
        }
        let splitRegex = (steps.first?["pattern"] as? [String: Any])?["Regex"] as? String
        if steps.count == 2, steps[0]["type"] as? String == "Split", splitRegex == Self.llama3Regex,
            isByteLevel(steps[1], regex: false)
        {
            return .llama3
        }
        let names = ([type] + steps.compactMap { $0["type"] as? String }).joined(separator: ", ")
        throw .unsupportedTokenizerJSON("pre_tokenizer \(names)")
    }

    /// Llama 3's split regex as its tokenizer.json writes it.
    static let llama3Regex =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The first special token a `TemplateProcessing` post-processor puts before a single sequence.
    private static func templateBOS(_ value: Any?) -> String? {
        guard let object = value as? [String: Any], object["type"] as? String == "TemplateProcessing",
            let single = object["single"] as? [[String: Any]], let first = single.first,
            let special = first["SpecialToken"] as? [String: Any]
        else { return nil }
        return special["id"] as? String
    }
}
