#!/usr/bin/env python3
"""Makes a Hugging Face model directory from the bundled SmolLM2 GGUF, the way transformers reads GGUF files, for
FulmenLlamaTests' HuggingFaceSmolLM2Tests (Fulmen's logits from that directory against its logits from the GGUF).

Needs: torch, transformers, gguf, tokenizers (pip install torch transformers gguf tokenizers); it was run with
torch 2.15.0, transformers 5.25.0 and gguf from the benchmark virtual environment:

    ~/.cache/fulmen-bench-venv/bin/python scripts/golden/hf-smollm2-from-gguf.py \\
        /work/models/SmolLM2-135M-Instruct.Q4_1.gguf /work/models/SmolLM2-135M-Instruct-hf
    FULMEN_HF_SMOLLM2_DIR=/work/models/SmolLM2-135M-Instruct-hf swift test --filter HuggingFaceSmolLM2Tests

`AutoModelForCausalLM.from_pretrained(dir, gguf_file=name)` dequantises the Q4_1/Q8_0 blocks to float32 and undoes
llama.cpp's q/k row permutation; `save_pretrained` writes them as F32 safetensors (about 540 MB, sharded), with the
tokenizer transformers converts from the GGUF metadata. Transformers 5 keeps GGUF weights in their blocks by default,
and such a model refuses `save_pretrained`, so the script asks for `GgufConfig(dequantize=True)` where it exists
(transformers 4 always dequantises). The directory is written under a temporary name and
renamed at the end, so a reader never sees half of it.

It also writes, into the directory, expected-logits.safetensors: transformers' own logits (the saved directory loaded
back and run in float64) for three ChatML prompts rendered and tokenized by the saved tokenizer, as `tokens.K` (F32)
and `logits.K` (T, 49152). The test compares Fulmen's logits from the directory with them too, an independent
implementation on the real model.
"""
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

try:
    from transformers import GgufConfig
except ImportError:  # transformers 4: GGUF weights are always dequantised
    GgufConfig = None


CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You are a calculator. Reply with CALC: expression."},
     {"role": "user", "content": "What is twelve times thirty-four?"}],
    [{"role": "user", "content": "Write a haiku about the sea."}, {"role": "assistant", "content": "Waves fold."},
     {"role": "user", "content": "Go on."}],
]


def golden(directory):
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).double().eval()
    tensors = {}
    with torch.no_grad():
        for k, messages in enumerate(CONVERSATIONS):
            text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            tokens = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])
            logits = model(tokens[None, :]).logits[0]
            tensors[f"tokens.{k}"] = tokens.to(torch.float32)
            tensors[f"logits.{k}"] = logits.to(torch.float32).contiguous()
            print(f"prompt {k}: {len(tokens)} tokens, logits in [{logits.min():.2f}, {logits.max():.2f}]")
    save_file(tensors, os.path.join(directory, "expected-logits.safetensors"))


def main():
    gguf_path, out = sys.argv[1], sys.argv[2]
    directory, name = os.path.split(os.path.abspath(gguf_path))
    temporary = f"{out}.partial-{os.getpid()}"
    options = {"quantization_config": GgufConfig(dequantize=True)} if GgufConfig else {}
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32, **options)
    model.save_pretrained(temporary)
    AutoTokenizer.from_pretrained(directory, gguf_file=name).save_pretrained(temporary)
    print("config:", model.config.to_json_string())
    del model
    golden(temporary)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.rename(temporary, out)
    print(out, sorted(os.listdir(out)))


if __name__ == "__main__":
    main()
