import Foundation
import Testing

@testable import Tokenizers

/// Chat templates recognised from their text and rendered as jinja2 renders them
/// (scripts/golden/chat-template-golden.py).
@Suite("Tokenizers: chat templates")
struct ChatTemplateTests {
    struct Golden: Decodable {
        struct Template: Decodable {
            let name: String
            let bosToken: String?
            let cases: [Case]
        }
        struct Case: Decodable {
            let messages: [ChatMessage]
            let addGenerationPrompt: Bool
            let render: String
        }
        let templates: [Template]
    }

    static func templateText(_ name: String) throws -> String {
        try String(
            contentsOf: TokenizerFixture.fixtures.appendingPathComponent("chat-templates/\(name).jinja"), encoding: .utf8)
    }

    @Test func eachTemplateIsRecognisedAsItsFamily() throws {
        #expect(
            try ChatTemplate.recognize(Self.templateText("smollm2"))
                == .chatMLDefaultSystemFirst("You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
        #expect(
            try ChatTemplate.recognize(Self.templateText("qwen2.5"))
                == .chatMLSystemBlock("You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        #expect(try ChatTemplate.recognize(Self.templateText("chatml")) == .chatML)
        #expect(try ChatTemplate.recognize(Self.templateText("llama3")) == .llama3)
    }

    @Test func rendersEqualJinja2() throws {
        let data = try Data(contentsOf: TokenizerFixture.fixtures.appendingPathComponent("chat-template-golden.json"))
        let golden = try JSONDecoder().decode(Golden.self, from: data)
        #expect(golden.templates.count == 4)
        var renders = 0
        for template in golden.templates {
            let chat = try ChatTemplate(templateText: Self.templateText(template.name), bosToken: template.bosToken)
            for golden in template.cases {
                let render = try chat.render(golden.messages, addGenerationPrompt: golden.addGenerationPrompt)
                #expect(render == golden.render, "\(template.name): \(golden.messages)")
                renders += 1
            }
        }
        #expect(renders == 96)
    }

    @Test func spellingVariantsOfChatMLAreTheSameFamily() throws {
        let variants = [
            #"{% for m in messages %}{% endfor %}{%- for message in messages -%}{{- "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n" -}}{%- endfor -%}{%- if add_generation_prompt -%}{{- "<|im_start|>assistant\n" -}}{%- endif -%}"#,
            "{% for message in messages %}\n  {{ '<|im_start|>' ~ '' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}\n{% endfor %}\n{% if add_generation_prompt %}{{ '<|im_start|>' + 'assistant\\n' }}{% endif %}",
        ]
        #expect(try ChatTemplate.recognize(variants[0]) == .chatML)
        #expect(throws: ChatTemplateError.self) { try ChatTemplate.recognize(variants[1]) }  // `~` is not `+`
    }

    @Test func unknownTemplatesAreRefusedSayingWhy() throws {
        let gemma = "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + message['role'] + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
        #expect(throws: ChatTemplateError.unrecognized("neither a ChatML nor a Llama 3 message expression")) {
            try ChatTemplate(templateText: gemma, bosToken: "<bos>")
        }
        let llama31 = "{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = \"26 Jul 2024\" %}{%- endif %}"
        #expect(throws: ChatTemplateError.unsupportedFeature("date_string")) {
            try ChatTemplate(templateText: llama31, bosToken: "<|begin_of_text|>")
        }
        #expect(throws: ChatTemplateError.unrecognized("the template never reads add_generation_prompt")) {
            try ChatTemplate(templateText: "{{ messages }}", bosToken: nil)
        }
        #expect(throws: ChatTemplateError.missingBOSToken) {
            try ChatTemplate(templateText: Self.templateText("llama3"), bosToken: nil)
        }
        let chatML = try Self.templateText("chatml")
        #expect(throws: ChatTemplateError.unrecognized(#"the template writes text outside its tags: "Conversation:\n""#)) {
            try ChatTemplate(templateText: "Conversation:\n" + chatML, bosToken: nil)
        }
        #expect(throws: ChatTemplateError.unrecognized(#"the template writes text outside its tags: "\n""#)) {
            try ChatTemplate(templateText: chatML.replacingOccurrences(of: "{% endfor %}", with: "{{ '' }}\n{% endfor %}"), bosToken: nil)
        }
        // Whitespace that trim markers, trim_blocks or lstrip_blocks remove is no text.
        #expect(
            try ChatTemplate.recognize(
                chatML.replacingOccurrences(of: "{% endfor %}", with: "{{ '' -}}\n  {% endfor %}\n    {% if false %}{% endif %}"))
                == .chatML)
        let qwen = try ChatTemplate(templateText: Self.templateText("qwen2.5"), bosToken: nil)
        #expect(throws: ChatTemplateError.emptyConversation) { try qwen.render([], addGenerationPrompt: true) }
    }

    @Test func smolLM2PromptHasNoBOSAndStopsOnImEnd() throws {
        let template = try ChatTemplate(templateText: Self.templateText("smollm2"), bosToken: "<|im_start|>")
        #expect(!template.rendersBOS)
        #expect(template.endOfMessage == "<|im_end|>")
        let text = try template.render([.user("Hi")], addGenerationPrompt: true)
        #expect(
            text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }
}
