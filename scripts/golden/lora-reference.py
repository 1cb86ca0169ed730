#!/usr/bin/env python3
"""Golden data for FulmenLlamaTests' LoRA tests: a PEFT-layout adapter applied, in numpy, to the tiny reference model.

Needs: numpy, safetensors (pip install numpy safetensors). Needs no torch or peft: it writes the two files exactly
as PEFT lays them out and applies them as PEFT's LoRA layer computes in eval mode (dropout off),
y = x Wᵀ + (lora_alpha / r) · (x Aᵀ) Bᵀ, on weights in Hugging Face's row order.
Run from the repository root, after scripts/golden/llama-reference.py has made its fixture:

    python3 scripts/golden/lora-reference.py Tests/FulmenLlamaTests/Fixtures/lora-reference

It reads Tests/FulmenLlamaTests/Fixtures/llama-reference.safetensors (GGUF layout: q/k rows permuted within each
head), undoes llama.cpp's q/k row permutation to get Hugging Face's weights (checking the inverse against the
script's own forward permutation and the fixture's logits), makes a seeded random adapter on all seven modules of
both layers with B nonzero, and writes into the output directory:

- adapter_config.json, adapter_model.safetensors: the adapter as PEFT saves it
  (base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight (r, in), ...lora_B.weight (out, r));
- expected.safetensors: `tokens` (as Float32) and `logits` (T, V) of the adapted model.

The Swift model must load the adapter (permuting B of q and k into GGUF's order) and reproduce these logits.
"""
import importlib.util
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("llama_reference", os.path.join(HERE, "llama-reference.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

R, ALPHA, SEED = 4, 8.0, 20261208
MODULES = [("self_attn", "q_proj", "q"), ("self_attn", "k_proj", "k"), ("self_attn", "v_proj", "v"),
           ("self_attn", "o_proj", "o"), ("mlp", "gate_proj", "gate"), ("mlp", "up_proj", "up"),
           ("mlp", "down_proj", "down")]


def from_gguf_rows(w, heads):
    """Inverse of llama.cpp's q/k permutation: GGUF rows 2i, 2i + 1 of a head are Hugging Face rows i, D/2 + i."""
    d = ref.D
    out = np.empty_like(w)
    for head in range(heads):
        block = w[head * d:(head + 1) * d]
        out[head * d:head * d + d // 2] = block[0::2]
        out[head * d + d // 2:(head + 1) * d] = block[1::2]
    return out


def main(out_dir):
    fixture = load_file(os.path.join(HERE, "../../Tests/FulmenLlamaTests/Fixtures/llama-reference.safetensors"))
    f64 = lambda name: fixture[name].astype(np.float64)
    weights = {"embed": f64("token_embd.weight"), "norm": f64("output_norm.weight"), "layers": []}
    for n in range(ref.L):
        p = f"blk.{n}."
        q_gguf, k_gguf = f64(p + "attn_q.weight"), f64(p + "attn_k.weight")
        layer = {
            "input_norm": f64(p + "attn_norm.weight"), "q": from_gguf_rows(q_gguf, ref.H),
            "k": from_gguf_rows(k_gguf, ref.G), "v": f64(p + "attn_v.weight"), "o": f64(p + "attn_output.weight"),
            "post_norm": f64(p + "ffn_norm.weight"), "gate": f64(p + "ffn_gate.weight"),
            "up": f64(p + "ffn_up.weight"), "down": f64(p + "ffn_down.weight"),
        }
        assert np.array_equal(ref.to_gguf_rows(layer["q"], ref.H), q_gguf)
        assert np.array_equal(ref.to_gguf_rows(layer["k"], ref.G), k_gguf)
        weights["layers"].append(layer)
    tokens = fixture["tokens"].astype(np.int64)
    base_logits = ref.forward(weights, tokens)
    assert np.abs(base_logits - fixture["logits"]).max() < 1e-4, "un-permuted weights do not reproduce the fixture"

    rng = np.random.default_rng(SEED)
    scale = ALPHA / R
    tensors = {}
    for n, layer in enumerate(weights["layers"]):
        for parent, module, key in MODULES:
            out_size, in_size = layer[key].shape
            a = rng.normal(0, 0.2, (R, in_size)).astype(np.float32)
            b = rng.normal(0, 0.2, (out_size, R)).astype(np.float32)
            name = f"base_model.model.model.layers.{n}.{parent}.{module}"
            tensors[name + ".lora_A.weight"] = a
            tensors[name + ".lora_B.weight"] = b
            # PEFT's LoRA Linear in eval: base(x) + scale · lora_B(lora_A(x)), which is x (W + scale · B A)ᵀ.
            layer[key] = layer[key] + scale * (b.astype(np.float64) @ a.astype(np.float64))
    logits = ref.forward(weights, tokens)

    os.makedirs(out_dir, exist_ok=True)
    config = {
        "alpha_pattern": {}, "base_model_name_or_path": "fulmen/llama-reference-tiny", "bias": "none",
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "layers_to_transform": None,
        "lora_alpha": ALPHA, "lora_dropout": 0.0, "modules_to_save": None, "peft_type": "LORA", "r": R,
        "rank_pattern": {}, "target_modules": [m for _, m, _ in MODULES], "task_type": "CAUSAL_LM",
        "use_dora": False, "use_rslora": False,
    }
    with open(os.path.join(out_dir, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    save_file(tensors, os.path.join(out_dir, "adapter_model.safetensors"), metadata={"format": "pt"})
    save_file(
        {"tokens": tokens.astype(np.float32), "logits": logits.astype(np.float32)},
        os.path.join(out_dir, "expected.safetensors"),
        metadata={"seed": str(SEED), "made_by": "scripts/golden/lora-reference.py"})
    print(f"wrote {out_dir}: {len(tensors)} adapter tensors; logits moved by up to "
          f"{np.abs(logits - base_logits).max():.3f} from the base's (|logits| max {np.abs(logits).max():.3f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/FulmenLlamaTests/Fixtures/lora-reference")
