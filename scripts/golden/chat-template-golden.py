#!/usr/bin/env python3
"""Golden renders of chat templates for Fulmen's ChatTemplate (Sources/Tokenizers), made with jinja2 the way
Hugging Face transformers renders `apply_chat_template` (an ImmutableSandboxedEnvironment with trim_blocks and
lstrip_blocks; messages, add_generation_prompt and the special-token texts as variables).

Needs: python3 -m pip install gguf numpy jinja2

Run from the repository root (this is how the committed files were made, 2026-12-07, jinja2 3.1):

    python3 scripts/golden/chat-template-golden.py /work/models/SmolLM2-135M-Instruct.Q4_1.gguf

Writes Tests/TokenizersTests/Fixtures/chat-templates/NAME.jinja, the template texts:
- smollm2: `tokenizer.chat_template` of SmolLM2-135M-Instruct's GGUF (read with `gguf`);
- qwen2.5: `chat_template` of Qwen2.5-Instruct's tokenizer_config.json, written out below;
- llama3: `chat_template` of Meta-Llama-3-8B-Instruct's tokenizer_config.json, written out below;
- chatml: the plain ChatML template without a default system message, as many tokenizer_config.json files have it;
and Tests/TokenizersTests/Fixtures/chat-template-golden.json: each template's renders of a set of conversations
(system or none, several turns, edge whitespace in contents, with and without a generation prompt).
"""
import json
import os
import sys

from gguf import GGUFReader
from jinja2.sandbox import ImmutableSandboxedEnvironment

OUT_DIR = os.path.join("Tests", "TokenizersTests", "Fixtures")

QWEN25 = (
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n"
    "    {%- else %}\n"
    "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n"
    "    {%- endif %}\n"
    "    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided "
    "with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n"
    "    {%- for tool in tools %}\n"
    "        {{- \"\\n\" }}\n"
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    "    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": "
    "<args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n"
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == "
    "\"assistant\" and not message.tool_calls) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- elif message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n"
    "            {{- '\\n' + message.content }}\n"
    "        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n"
    "            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n"
    "            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n"
    "        {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    "    {%- elif message.role == \"tool\" %}\n"
    "        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n"
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n"
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)

LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

SPECIAL_TOKENS = {
    "smollm2": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"},
    "qwen2.5": {"bos_token": None, "eos_token": "<|im_end|>"},
    "llama3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "chatml": {"bos_token": "<s>", "eos_token": "<|im_end|>"},
}


def m(role, content):
    return {"role": role, "content": content}


CONVERSATIONS = [
    [m("user", "Hello!")],
    [m("system", "You are terse."), m("user", "What is 2+2?")],
    [m("system", "You are terse."), m("user", "What is 2+2?"), m("assistant", "4"), m("user", "And 3*3?")],
    [m("user", "Hi"), m("assistant", "Hello! How can I help?"), m("user", "Tell me a joke."),
     m("assistant", "Why did the chicken cross the road?")],
    [m("system", "Use CALC: for arithmetic."), m("user", "What is 69 * 346?"), m("assistant", "CALC: 69*346"),
     m("user", "RESULT: 23874"), m("assistant", "ANSWER: 23874")],
    [m("user", "  padded content \n\n"), m("assistant", "\tleading tab and trailing spaces   ")],
    [m("user", "Multi\nline\n\ncontent with <b>markup</b> and {{ braces }} and {% tags %}")],
    [m("user", "Unicode: 東京, Привет, مرحبا, नमस्ते, 👨‍👩‍👧‍👦")],
    [m("user", "first"), m("system", "a system message later"), m("user", "second")],
    [m("assistant", "I speak first.")],
    [m("system", ""), m("user", "")],
    [m("system", "Only a system message.")],
]


def main():
    gguf_path = sys.argv[1] if len(sys.argv) > 1 else "/work/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    smollm2 = GGUFReader(gguf_path).fields["tokenizer.chat_template"].contents()
    templates = {"smollm2": smollm2, "qwen2.5": QWEN25, "llama3": LLAMA3, "chatml": CHATML}

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda value, indent=None: json.dumps(value, ensure_ascii=False, indent=indent)
    os.makedirs(os.path.join(OUT_DIR, "chat-templates"), exist_ok=True)
    golden = {"about": "made by scripts/golden/chat-template-golden.py with jinja2", "templates": []}
    for name, text in templates.items():
        with open(os.path.join(OUT_DIR, "chat-templates", name + ".jinja"), "w", encoding="utf-8") as f:
            f.write(text)
        template = env.from_string(text)
        cases = []
        for messages in CONVERSATIONS:
            for generation in (False, True):
                render = template.render(messages=messages, add_generation_prompt=generation, **SPECIAL_TOKENS[name])
                cases.append({"messages": messages, "addGenerationPrompt": generation, "render": render})
        golden["templates"].append({"name": name, "bosToken": SPECIAL_TOKENS[name]["bos_token"], "cases": cases})
    with open(os.path.join(OUT_DIR, "chat-template-golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("%d templates x %d renders" % (len(templates), 2 * len(CONVERSATIONS)))


if __name__ == "__main__":
    main()
