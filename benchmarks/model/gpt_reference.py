#!/usr/bin/env python3
"""Checks Fulmen's GPT checkpoints and logits with the Python ecosystem's own tools.

    gpt_reference.py tensors CHECKPOINT
        Reads CHECKPOINT with `safetensors` + numpy and prints one JSON object: metadata, and per tensor its
        dtype, shape and the CRC-32 of its little-endian bytes (so the caller can check exact equality).
    gpt_reference.py logits CHECKPOINT CASE [--tolerance 1e-4] [--peer PATH]
        CASE is a safetensors file with `tokens` (T,) and `logits` (T, V) written by Fulmen. Recomputes the logits
        with a numpy (float64) forward pass of the model in peers/torch_tinygpt.py and compares; if torch can be
        imported, also with the PyTorch reference itself (TinyGPT from --peer, default ../shared/peers relative to
        the repository), else prints why it skipped. Exit status 1 if a difference exceeds the tolerance.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import zlib

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def metadata_of(path: str) -> dict:
    with safe_open(path, framework="np") as f:
        return dict(f.metadata() or {})


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def numpy_logits(params: dict, meta: dict, tokens: np.ndarray) -> np.ndarray:
    """The forward pass of torch_tinygpt.TinyGPT in float64 numpy, for one sequence."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    d, n_layer, n_head = int(meta["d_model"]), int(meta["n_layer"]), int(meta["n_head"])
    hd = d // n_head
    t = len(tokens)
    x = p["wte.weight"][tokens] + p["wpe.weight"][:t]
    mask = np.tril(np.ones((t, t), dtype=bool))
    for i in range(n_layer):
        pre = f"blocks.{i}."
        h = layer_norm(x, p[pre + "ln1.weight"], p[pre + "ln1.bias"])
        qkv = h @ p[pre + "qkv.weight"].T + p[pre + "qkv.bias"]
        q, k, v = qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:]
        y = np.empty((t, d))
        for head in range(n_head):
            s = slice(head * hd, (head + 1) * hd)
            att = (q[:, s] @ k[:, s].T) / np.sqrt(hd)
            att = np.where(mask, att, -np.inf)
            att = np.exp(att - att.max(axis=-1, keepdims=True))
            att /= att.sum(axis=-1, keepdims=True)
            y[:, s] = att @ v[:, s]
        x = x + y @ p[pre + "proj.weight"].T + p[pre + "proj.bias"]
        h = layer_norm(x, p[pre + "ln2.weight"], p[pre + "ln2.bias"])
        h = gelu_tanh(h @ p[pre + "fc1.weight"].T + p[pre + "fc1.bias"])
        x = x + h @ p[pre + "fc2.weight"].T + p[pre + "fc2.bias"]
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p["wte.weight"].T


def torch_logits(params: dict, meta: dict, tokens: np.ndarray, peer: str):
    """Logits from the PyTorch reference itself, or (None, reason) when it cannot run here."""
    if importlib.util.find_spec("torch") is None:
        return None, "torch is not installed in this Python (the benchmark installs it in its own venv)"
    if not os.path.exists(peer):
        return None, f"reference script not found at {peer}"
    import torch

    spec = importlib.util.spec_from_file_location("torch_tinygpt", peer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.TinyGPT(int(meta["d_model"]), int(meta["n_layer"]), int(meta["n_head"]), int(meta["ctx"]))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(tokens.astype(np.int64))[None, :])[0].numpy()
    return out, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tensors")
    t.add_argument("checkpoint")
    lg = sub.add_parser("logits")
    lg.add_argument("checkpoint")
    lg.add_argument("case")
    lg.add_argument("--tolerance", type=float, default=1e-4)
    here = os.path.dirname(os.path.abspath(__file__))
    lg.add_argument("--peer", default=os.path.join(here, "..", "..", "..", "shared", "peers", "torch_tinygpt.py"))
    args = ap.parse_args()

    if args.command == "tensors":
        params = load_file(args.checkpoint)
        out = {"metadata": metadata_of(args.checkpoint), "tensors": {}}
        for name, value in params.items():
            data = np.ascontiguousarray(value, dtype="<f4") if value.dtype == np.float32 else value
            out["tensors"][name] = {"dtype": str(value.dtype), "shape": list(value.shape),
                                    "crc32": zlib.crc32(data.tobytes())}
        print(json.dumps(out, sort_keys=True))
        return 0

    params = load_file(args.checkpoint)
    meta = metadata_of(args.checkpoint)
    case = load_file(args.case)
    tokens = case["tokens"].astype(np.int64)
    fulmen = case["logits"].astype(np.float64)
    status = 0
    reference = numpy_logits(params, meta, tokens)
    diff = float(np.abs(reference - fulmen).max())
    print(f"numpy: max_abs_diff={diff:.3e} tolerance={args.tolerance:.0e} positions={len(tokens)}")
    if not diff <= args.tolerance:
        status = 1
    out, reason = torch_logits(params, meta, tokens, args.peer)
    if out is None:
        print(f"torch: skipped: {reason}")
    else:
        diff = float(np.abs(out.astype(np.float64) - fulmen).max())
        print(f"torch: max_abs_diff={diff:.3e} tolerance={args.tolerance:.0e}")
        if not diff <= args.tolerance:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
