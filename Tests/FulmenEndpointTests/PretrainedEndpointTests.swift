import FulmenCore
import FulmenEndpoint
import FulmenLlama
import FulmenPolicy
import Foundation
import ModelFiles
import ModelTestSupport
import Testing
import Tokenizers

/// The endpoint serving SmolLM2-135M-Instruct (with fresh LoRA adapters, so the base model's answers): chat
/// messages rendered in the model's own ChatML template with no BOS added, replies that end at `<|im_end|>`, streamed
/// deltas that join to the whole reply, and the GPT's `roles` template refused by name.
@Suite(.disabled(if: RealModel.skipped, Comment(rawValue: RealModel.skipReason)))
struct PretrainedEndpointTests {
    /// A LoRA weights resource on the bundled model, made once per test process.
    static let weights = Result {
        let choice = try PolicyModelChoice(name: "smollm2-135m-instruct", lora: LoRAConfig(rank: 4, alpha: 8))
        return try TrainablePolicy.make(choice, seed: 1, threads: 1).weights()
    }

    @Test func chatMessagesAreRenderedInTheModelsTemplateAndTheReplyEndsAtItsEndOfTurn() async throws {
        let file = try RealModel.file()
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        let template = try ChatTemplate(gguf: file, tokenizer: tokenizer)
        try await EndpointFixture.with(policy: try Self.weights.get(), template: .auto) { fixture in
            _ = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                let question = "What is the capital of France? Answer in one sentence."
                let request =
                    #"{"model": "policy", "messages": [{"role": "user", "content": "\#(question)"}], "max_tokens": 48, "temperature": 0"#
                let whole = try await endpoint.chat(request + "}")
                #expect(whole.status == 200, "\(whole.text)")
                let rendered = try template.render([.user(question)], addGenerationPrompt: true)
                let prompt = (whole.json["prompt_token_ids"] as? [Any])?.ints
                #expect(prompt == tokenizer.encode(rendered, parsingSpecialTokens: true).map(Int.init))
                #expect(rendered.hasPrefix("<|im_start|>system\n") && prompt?.prefix(2) != [1, 1], "no second BOS")

                let choice = try #require((whole.json["choices"] as? [Any])?.first as? [String: Any])
                let text = try #require((choice["message"] as? [String: Any])?["content"] as? String)
                #expect(choice["finish_reason"] as? String == "stop", "\(whole.text)")
                #expect((choice["token_ids"] as? [Any])?.ints.last == 2, "the reply ends at <|im_end|>")
                #expect(!text.isEmpty && !text.contains("<|im_end|>"), "\(text)")
                print("SmolLM2 through the endpoint: \(text.debugDescription)")

                // Streamed, the same text arrives in deltas (decoded with `UTF8StreamDecoder`, which holds back a
                // split character: Tokenizers' tests check that on emoji and other scripts).
                let streamed = try await endpoint.chat(request + #", "stream": true}"#)
                let deltas = streamed.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: {") }.compactMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.dropFirst("data: ".count).utf8))) as? [String: Any]
                }.compactMap { (($0["choices"] as? [Any])?.first as? [String: Any])?["delta"] as? [String: Any] }
                let pieces = deltas.compactMap { $0["content"] as? String }
                #expect(pieces.joined() == text && !pieces.contains { $0.contains("\u{FFFD}") })
                return nil
            }
        }
    }

    @Test func theGPTsRoleTokensAndIdsOutsideTheVocabularyAreRefused() async throws {
        try await EndpointFixture.with(policy: try Self.weights.get(), template: .roles) { fixture in
            _ = try await fixture.play { context in
                let endpoint = try #require(context.endpoint)
                let chat = try await endpoint.chat(#"{"model": "policy", "messages": [{"role": "user", "content": "hi"}]}"#)
                #expect(chat.status == 400 && chat.errorCode == "chat_template", "\(chat.text)")
                let completion = try await endpoint.complete(#"{"model": "policy", "prompt": [1, 49152], "max_tokens": 2}"#)
                #expect(completion.status == 400 && completion.errorMessage.contains("0 to 49151"), "\(completion.text)")
                return nil
            }
        }
    }
}
