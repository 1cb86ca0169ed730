import FulmenModel
import FulmenRunner
import Tokenizers

/// One call of the policy model as the endpoint makes it, on behalf of an attempt.
struct ModelCall {
    /// The most tokens a call may ask for; a reply also ends where the model's context does.
    static let tokenLimit = 1 << 20

    let prompt: [Int32]
    let maxTokens: Int
    /// Stop sequences as text (the request's), and as the template adds them.
    let stops: [String]
    let templateStops: [[Int32]]
    let temperature: Float?
    let topP: Float?

    /// What came back: the reply as the client sees it, and the tokens as the model made them.
    struct Reply {
        let response: LLMResponse
        /// The reply's text without the stop sequence that ended it (as OpenAI's API returns it).
        let text: String
        /// How many of the reply's tokens the text covers (the rest are the stop sequence).
        let visibleTokens: Int

        var finishReason: String {
            switch response.finishReason {
            case .stop: "stop"
            case .length, .context: "length"
            }
        }
    }

    /// Checks the request's numbers, naming the field that is out of range.
    static func validated(
        prompt: [Int32], maxTokens: Int?, maxTokensField: String, templateStops: [[Int32]], fields: CallFields
    ) throws(OpenAIError) -> ModelCall {
        let (temperature, topP, stops) = (fields.temperature, fields.topP, fields.stop?.sequences ?? [])
        if prompt.isEmpty { throw .invalidRequest("the prompt is empty", param: "prompt") }
        if let maxTokens, !(1...tokenLimit).contains(maxTokens) {
            throw .invalidRequest("\(maxTokensField) must be between 1 and \(tokenLimit), not \(maxTokens)", param: maxTokensField)
        }
        if let temperature, !(0...2).contains(temperature) {
            throw .invalidRequest("temperature must be between 0 and 2, not \(temperature)", param: "temperature")
        }
        if let topP, !(topP > 0 && topP <= 1) {
            throw .invalidRequest("top_p must be above 0 and at most 1, not \(topP)", param: "top_p")
        }
        if let n = fields.n, n != 1 {
            throw .invalidRequest(
                "n must be 1: each call is one sample of the attempt's episode (a group of samples is a group of "
                    + "rollouts)", param: "n")
        }
        if stops.contains("") { throw .invalidRequest("a stop sequence is empty", param: "stop") }
        return ModelCall(
            prompt: prompt, maxTokens: maxTokens ?? tokenLimit, stops: stops, templateStops: templateStops,
            temperature: temperature, topP: topP)
    }

    /// Runs the call through the attempt's model client, so it is recorded under the attempt.
    func run(on llm: LLMClient, tokenizer: any TextTokenizer) async throws -> Reply {
        let stopTokens = stops.map { tokenizer.encode($0, parsingSpecialTokens: false) } + templateStops
        let response = try await llm.generate(
            prompt: prompt, maxTokens: maxTokens, stop: stopTokens, temperature: temperature, topP: topP)
        var visible = response.tokens.count
        if response.finishReason == .stop,
            let stop = stopTokens.filter({ response.tokens.ends(with: $0) }).max(by: { $0.count < $1.count })
        {
            visible -= stop.count
        }
        let text = (try? tokenizer.decode(Array(response.tokens[..<visible]))) ?? ""
        return Reply(response: response, text: text, visibleTokens: visible)
    }
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
