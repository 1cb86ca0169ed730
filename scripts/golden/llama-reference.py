#!/usr/bin/env python3
"""Golden data for FulmenLlamaTests: a tiny Llama-family model's logits computed the Hugging Face way.

Needs: numpy, safetensors (pip install numpy safetensors).
Run from the repository root:

    python3 scripts/golden/llama-reference.py Tests/FulmenLlamaTests/Fixtures/llama-reference.safetensors

The model is written as Hugging Face's modelling code defines it (rotate-half rotary embeddings on the
unpermuted q/k projections, repeat_kv for grouped-query attention, SwiGLU, RMSNorm), independently of the Swift
code. Its weights are then stored the way llama.cpp's converter stores them in a GGUF file: under GGUF's tensor
names, with the rows of attn_q and attn_k permuted within each head (row 2i takes old row i, row 2i+1 takes old row
D/2 + i), which makes llama.cpp's "normal" rope mode (adjacent pairs) compute the same thing. So the Swift model,
reading those GGUF-layout weights with adjacent-pair rotation, must reproduce these logits.

The file holds every weight (Float32, shapes outermost first), `tokens` (as Float32) and `logits` (T, V), and
the configuration in its metadata.
"""
import sys

import numpy as np
from safetensors.numpy import save_file

V, C, L, H, G, D, F = 61, 32, 2, 4, 2, 8, 48
EPS, BASE = 1e-5, 10000.0
SEED = 20261207


def rms_norm(x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rotary(x, positions):
    """x: (heads, T, D); Hugging Face's default rotary embedding."""
    inv_freq = 1.0 / (BASE ** (np.arange(0, D, 2, dtype=np.float64) / D))
    angles = np.outer(positions, inv_freq)  # (T, D/2)
    emb = np.concatenate([angles, angles], axis=-1)
    return x * np.cos(emb) + rotate_half(x) * np.sin(emb)


def forward(weights, tokens):
    t = len(tokens)
    x = weights["embed"][tokens]
    positions = np.arange(t)
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for layer in weights["layers"]:
        h = rms_norm(x, layer["input_norm"])
        q = (h @ layer["q"].T).reshape(t, H, D).transpose(1, 0, 2)
        k = (h @ layer["k"].T).reshape(t, G, D).transpose(1, 0, 2)
        v = (h @ layer["v"].T).reshape(t, G, D).transpose(1, 0, 2)
        q, k = rotary(q, positions), rotary(k, positions)
        k = np.repeat(k, H // G, axis=0)  # repeat_kv: kv head j serves query heads j·H/G ... (j+1)·H/G − 1
        v = np.repeat(v, H // G, axis=0)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(D) + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        attention = (scores @ v).transpose(1, 0, 2).reshape(t, H * D)
        x = x + attention @ layer["o"].T
        h = rms_norm(x, layer["post_norm"])
        gate = h @ layer["gate"].T
        x = x + (gate / (1 + np.exp(-gate)) * (h @ layer["up"].T)) @ layer["down"].T
    return rms_norm(x, weights["norm"]) @ weights["embed"].T


def to_gguf_rows(w, heads):
    """llama.cpp's q/k row order: within each head, rows (i, D/2 + i) become adjacent rows (2i, 2i + 1)."""
    out = np.empty_like(w)
    for head in range(heads):
        block = w[head * D:(head + 1) * D]
        out[head * D:(head + 1) * D][0::2] = block[:D // 2]
        out[head * D:(head + 1) * D][1::2] = block[D // 2:]
    return out


def main(path):
    rng = np.random.default_rng(SEED)
    normal = lambda *shape: rng.normal(0, 0.3, shape)
    weights = {
        "embed": normal(V, C),
        "norm": 1 + 0.2 * rng.normal(size=C),
        "layers": [
            {
                "input_norm": 1 + 0.2 * rng.normal(size=C), "q": normal(H * D, C), "k": normal(G * D, C),
                "v": normal(G * D, C), "o": normal(C, H * D), "post_norm": 1 + 0.2 * rng.normal(size=C),
                "gate": normal(F, C), "up": normal(F, C), "down": normal(C, F),
            }
            for _ in range(L)
        ],
    }
    tokens = rng.integers(0, V, size=40)
    logits = forward(weights, tokens)
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)
    tensors = {"token_embd.weight": f32(weights["embed"]), "output_norm.weight": f32(weights["norm"])}
    for n, layer in enumerate(weights["layers"]):
        tensors.update({
            f"blk.{n}.attn_norm.weight": f32(layer["input_norm"]),
            f"blk.{n}.attn_q.weight": f32(to_gguf_rows(layer["q"], H)),
            f"blk.{n}.attn_k.weight": f32(to_gguf_rows(layer["k"], G)),
            f"blk.{n}.attn_v.weight": f32(layer["v"]),
            f"blk.{n}.attn_output.weight": f32(layer["o"]),
            f"blk.{n}.ffn_norm.weight": f32(layer["post_norm"]),
            f"blk.{n}.ffn_gate.weight": f32(layer["gate"]),
            f"blk.{n}.ffn_up.weight": f32(layer["up"]),
            f"blk.{n}.ffn_down.weight": f32(layer["down"]),
        })
    tensors["tokens"] = f32(tokens)
    tensors["logits"] = f32(logits)
    metadata = {
        "vocab_size": str(V), "embedding_length": str(C), "block_count": str(L), "head_count": str(H),
        "head_count_kv": str(G), "key_length": str(D), "feed_forward_length": str(F), "rms_norm_eps": str(EPS),
        "rope_freq_base": str(BASE), "seed": str(SEED), "made_by": "scripts/golden/llama-reference.py",
    }
    save_file(tensors, path, metadata=metadata)
    print(f"wrote {path}: {len(tensors)} tensors, logits {logits.shape}, |logits| max {np.abs(logits).max():.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/FulmenLlamaTests/Fixtures/llama-reference.safetensors")
