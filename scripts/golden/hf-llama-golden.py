#!/usr/bin/env python3
"""Golden data for FulmenLlamaTests' Hugging Face directory tests: tiny random Llamas saved by transformers.

Needs: torch, transformers, safetensors, tokenizers (pip install torch transformers safetensors tokenizers); it was
run with torch 2.15.0 and transformers 5.25.0 (the benchmark virtual environment, ~/.cache/fulmen-bench-venv):

    ~/.cache/fulmen-bench-venv/bin/python scripts/golden/hf-llama-golden.py Tests/FulmenLlamaTests/Fixtures

It writes three model directories with `save_pretrained`, each a seeded random `LlamaForCausalLM` of 2 layers,
width 64, 4 query and 2 key/value heads of 16, SwiGLU of 96, vocabulary 300, RMSNorm eps 1e-5, rope base 50000,
context 128 (matrices with std 0.1 and norm weights 1 + 0.2·N(0, 1), so that the norms' places matter and the logits
are far from uniform):

- hf-tiny-f32: F32, untied LM head, one model.safetensors; with a byte-level BPE tokenizer (tokenizer.json trained
  here on a small fixed corpus, ChatML special tokens) and SmolLM2's ChatML chat template, so that the directory
  loads as a whole pretrained model;
- hf-tiny-bf16-tied: BF16, LM head tied to the embedding, one model.safetensors;
- hf-tiny-f16-sharded: F16, untied, saved with max_shard_size 60KB (model.safetensors.index.json and shards).

Into each directory it also writes expected-logits.safetensors: for three token sequences (5, 17 and 40 tokens),
`tokens.K` (as F32) and `logits.K` (T, 300), computed by transformers on the directory as saved, loaded back and
run in float64 (so half-precision rounding is in the weights both sides read, and the reference adds no float32
error of its own).
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

SEED = 20261208
SEQUENCES = [5, 17, 40]
CHATML = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "What is 12 * 34? CALC: 12*34 RESULT: 408 ANSWER: 408",
    "You are a helpful assistant. Answer the question.",
    "def add(a, b):\n    return a + b\n",
] * 4


def config(tied):
    return LlamaConfig(
        vocab_size=300, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=50000.0,
        tie_word_embeddings=tied, bos_token_id=1, eos_token_id=2, initializer_range=0.1,
        architectures=["LlamaForCausalLM"])


def random_model(tied, seed):
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config(tied))
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("norm.weight"):
                parameter.copy_(1 + 0.2 * torch.randn_like(parameter))
            else:
                parameter.copy_(0.1 * torch.randn_like(parameter))
    return model.eval()


def tokenizer():
    """A byte-level BPE of 300 tokens (256 bytes, 2 special, 42 merges), trained deterministically."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer=trainer)
    assert tok.get_vocab_size() == 300, tok.get_vocab_size()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>", chat_template=CHATML)


def golden(directory, seed):
    model = LlamaForCausalLM.from_pretrained(directory, dtype=torch.float32).double().eval()
    generator = torch.Generator().manual_seed(seed)
    tensors = {}
    with torch.no_grad():
        for k, length in enumerate(SEQUENCES):
            tokens = torch.randint(0, 300, (length,), generator=generator)
            logits = model(tokens[None, :]).logits[0]
            tensors[f"tokens.{k}"] = tokens.to(torch.float32)
            tensors[f"logits.{k}"] = logits.to(torch.float32).contiguous()
            print(f"{os.path.basename(directory)} sequence {k}: {length} tokens, "
                  f"logits in [{logits.min():.3f}, {logits.max():.3f}]")
    save_file(tensors, os.path.join(directory, "expected-logits.safetensors"))


def main():
    out = sys.argv[1]
    fixtures = [
        ("hf-tiny-f32", False, torch.float32, None, True),
        ("hf-tiny-bf16-tied", True, torch.bfloat16, None, False),
        ("hf-tiny-f16-sharded", False, torch.float16, "60KB", False),
    ]
    for offset, (name, tied, dtype, shard, with_tokenizer) in enumerate(fixtures):
        directory = os.path.join(out, name)
        os.makedirs(directory, exist_ok=True)
        for old in os.listdir(directory):
            os.remove(os.path.join(directory, old))
        model = random_model(tied, SEED + offset).to(dtype)
        kwargs = {"max_shard_size": shard} if shard else {}
        model.save_pretrained(directory, **kwargs)
        os.remove(os.path.join(directory, "generation_config.json")) if os.path.exists(
            os.path.join(directory, "generation_config.json")) else None
        if with_tokenizer:
            tokenizer().save_pretrained(directory)
        golden(directory, SEED + 100 + offset)
        print(name, sorted(os.listdir(directory)))


if __name__ == "__main__":
    main()
