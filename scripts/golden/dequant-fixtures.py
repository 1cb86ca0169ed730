#!/usr/bin/env python3
"""Golden data for ModelFiles' GGUF dequantisation, computed by the `gguf` Python package (llama.cpp's own).

Needs: python3 -m pip install gguf numpy    (made with gguf 0.19.0, numpy 2.x)

Writes, under Tests/ModelFilesTests/Fixtures/:
  dequant-blocks.json  for each type Fulmen dequantises (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K,
                       Q6_K), a few blocks of seeded random bytes and their values from gguf.quants.dequantize.
                       The bytes are random except that every half-precision field (the scales, minimums and the
                       F16 values) is forced finite, and F32/BF16 values too: a NaN's payload is not part of any
                       format's meaning. `gguf` cannot write K-quants, which is why the blocks are raw bytes.
  smollm2-rows.json    from the bundled SmolLM2-135M-Instruct.Q4_1.gguf (scripts/fetch-model): the file's sha256,
                       a summary of its metadata and tensors, and some rows of token_embd.weight (Q8_0) and
                       blk.0.attn_q.weight (Q4_1) dequantised by gguf.quants.dequantize.
Values are stored as the hex of their little-endian bytes, so the Swift tests compare bit for bit.

Run from the repository root:
  scripts/golden/dequant-fixtures.py [--seed 20261207] [--model PATH]
The model is looked for in $FULMEN_MODELS_DIR, then ${XDG_CACHE_HOME:-~/.cache}/fulmen/models; without it only
dequant-blocks.json is written. Committed fixtures were made with the defaults.
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "ModelFilesTests" / "Fixtures"
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

# Byte offsets of the half-precision fields inside one block of each type (ggml-common.h).
HALF_FIELDS = {
    T.Q8_0: [0],
    T.Q4_0: [0],
    T.Q4_1: [0, 2],
    T.Q5_0: [0],
    T.Q5_1: [0, 2],
    T.Q4_K: [0, 2],
    T.Q5_K: [0, 2],
    T.Q6_K: [208],
}
# How many blocks per type: a few, to keep the fixture small.
BLOCKS = {T.F32: 48, T.F16: 64, T.BF16: 64, T.Q4_K: 3, T.Q5_K: 3, T.Q6_K: 3}
DEFAULT_BLOCKS = 6


def random_half(rng, count):
    """Finite halves: mostly scale-like values, some random bit patterns (subnormals, large, signed zero)."""
    realistic = (rng.standard_normal(count) * 0.02).astype(np.float16).view(np.uint16)
    bits = rng.integers(0, 1 << 16, count, dtype=np.uint16)
    bits = np.where((bits & 0x7C00) == 0x7C00, bits & ~np.uint16(0x4000), bits)  # exponent never all ones
    return np.where(rng.random(count) < 0.7, realistic, bits).astype(np.uint16)


def make_blocks(rng, qtype):
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    blocks = BLOCKS.get(qtype, DEFAULT_BLOCKS)
    if qtype == T.F32:
        values = (rng.standard_normal(blocks) * np.exp(rng.uniform(-20, 20, blocks))).astype(np.float32)
        values[:3] = [0.0, -0.0, np.float32(1e-42)]  # zeros and a subnormal
        return values.view(np.uint8)
    if qtype == T.F16:
        return random_half(rng, blocks).view(np.uint8)
    if qtype == T.BF16:
        bits = rng.integers(0, 1 << 16, blocks, dtype=np.uint16)
        bits = np.where((bits & 0x7F80) == 0x7F80, bits & ~np.uint16(0x4000), bits)
        return bits.astype(np.uint16).view(np.uint8)
    data = rng.integers(0, 256, (blocks, type_size), dtype=np.uint8)
    for offset in HALF_FIELDS[qtype]:
        data[:, offset : offset + 2] = random_half(rng, blocks).view(np.uint8).reshape(blocks, 2)
    return data.reshape(-1)


def hexbytes(array):
    return np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes().hex()


def write_blocks(seed):
    rng = np.random.default_rng(seed)
    cases = []
    for qtype in [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]:
        raw = make_blocks(rng, qtype)
        _, type_size = GGML_QUANT_SIZES[qtype]
        values = dequantize(raw.reshape(-1, type_size) if qtype not in (T.F32, T.F16) else raw, qtype)
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        assert np.all(np.isfinite(values)), qtype.name
        cases.append({"type": qtype.name, "values": int(values.size), "bytes": raw.tobytes().hex(),
                      "expected": hexbytes(values)})
    out = {"generator": "scripts/golden/dequant-fixtures.py", "seed": seed, "cases": cases}
    path = FIXTURES / "dequant-blocks.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)} (seed {seed})")


def find_model(explicit):
    if explicit:
        return Path(explicit)
    dirs = []
    if os.environ.get("FULMEN_MODELS_DIR"):
        dirs.append(Path(os.environ["FULMEN_MODELS_DIR"]))
    dirs.append(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "fulmen" / "models")
    for directory in dirs:
        if (directory / MODEL_NAME).exists():
            return directory / MODEL_NAME
    return None


def field_value(field):
    value = field.contents()
    return value


def write_model_rows(path):
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    reader = GGUFReader(str(path))
    types = {}
    for tensor in reader.tensors:
        types[tensor.tensor_type.name] = types.get(tensor.tensor_type.name, 0) + 1
    tokens = field_value(reader.fields["tokenizer.ggml.tokens"])
    merges = field_value(reader.fields["tokenizer.ggml.merges"])
    summary = {
        "general.architecture": field_value(reader.fields["general.architecture"]),
        "llama.block_count": int(field_value(reader.fields["llama.block_count"])),
        "llama.embedding_length": int(field_value(reader.fields["llama.embedding_length"])),
        "llama.attention.head_count": int(field_value(reader.fields["llama.attention.head_count"])),
        "llama.attention.head_count_kv": int(field_value(reader.fields["llama.attention.head_count_kv"])),
        "llama.feed_forward_length": int(field_value(reader.fields["llama.feed_forward_length"])),
        "llama.context_length": int(field_value(reader.fields["llama.context_length"])),
        "llama.rope.freq_base": float(field_value(reader.fields["llama.rope.freq_base"])),
        "llama.attention.layer_norm_rms_epsilon":
            float(field_value(reader.fields["llama.attention.layer_norm_rms_epsilon"])),
        "tokenizer.ggml.model": field_value(reader.fields["tokenizer.ggml.model"]),
        "token_count": len(tokens),
        "merge_count": len(merges),
        "tokens_sample": {str(i): tokens[i] for i in [0, 1, 2, 17, 100, 1000, 49151]},
        "merges_sample": {str(i): merges[i] for i in [0, 1, 48899]},
        "key_count": len([key for key in reader.fields if not key.startswith("GGUF.")]),
    }
    tensors = {t.name: t for t in reader.tensors}
    rows = []
    for name, picks in [("token_embd.weight", [0, 1, 2, 28, 49151]), ("blk.0.attn_q.weight", [0, 1, 300, 575])]:
        tensor = tensors[name]
        data = tensor.data  # (rows, bytes per row) for quantised types
        for row in picks:
            values = np.asarray(dequantize(data[row : row + 1], tensor.tensor_type), dtype=np.float32).reshape(-1)
            rows.append({"tensor": name, "type": tensor.tensor_type.name, "row": row, "expected": hexbytes(values)})
    out = {
        "generator": "scripts/golden/dequant-fixtures.py",
        "file": MODEL_NAME,
        "sha256": sha,
        "version": int(field_value(reader.fields["GGUF.version"])),
        "tensor_count": len(reader.tensors),
        "tensor_types": types,
        "shapes": {name: [int(d) for d in tensors[name].shape]
                   for name in ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight",
                                "blk.0.ffn_down.weight", "output_norm.weight"]},
        "metadata": summary,
        "rows": rows,
    }
    target = FIXTURES / "smollm2-rows.json"
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {target.relative_to(ROOT)} from {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--model", help=f"path of {MODEL_NAME}")
    args = parser.parse_args()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    write_blocks(args.seed)
    model = find_model(args.model)
    if model is None:
        print(f"{MODEL_NAME} not found (run scripts/fetch-model smollm2-135m-instruct): smollm2-rows.json not written",
              file=sys.stderr)
        return
    write_model_rows(model)


if __name__ == "__main__":
    main()
