#!/usr/bin/env python3
"""Logits of a Fulmen-exported LoRA adapter applied by `peft` to the Hugging Face model made from the bundled GGUF.

Needs: torch, transformers (>= 4.41, for `gguf_file=`), peft, gguf, numpy; e.g.
    python3 -m venv ~/.cache/fulmen-bench-venv
    ~/.cache/fulmen-bench-venv/bin/pip install torch transformers peft gguf numpy safetensors

    lora-peft-golden.py MODEL.gguf ADAPTER_DIR REQUEST.json OUT.json

- MODEL.gguf: the bundled SmolLM2-135M-Instruct.Q4_1.gguf. transformers dequantises it (with `gguf`, as Fulmen
  does, bit for bit) to a Float32 LlamaForCausalLM, un-permuting q and k rows into Hugging Face's order.
- ADAPTER_DIR: adapter_config.json + adapter_model.safetensors as Fulmen's `Llama.saveAdapters` writes them
  (B of q and k un-permuted to Hugging Face's order); loaded with `peft.PeftModel.from_pretrained`.
- REQUEST.json: {"prompts": [[token ids], ...], "top": K, ...}; other keys are copied to OUT.json.
- OUT.json: the request's keys, the package versions, `adapter_crc32` (zlib CRC-32 of adapter_model.safetensors, so a
  golden file names the adapter it was made with), and per prompt `tokens`, `top` (at every position the K largest
  (id, logit) of the adapted model) and `base_top` (the same with the adapter disabled).

FulmenLlamaTests' LoRAPEFTGoldenTests writes the adapter (seeded) and the request, runs this script when
FULMEN_TORCH_PYTHON names a python that has the packages, and compares. The committed golden
Tests/FulmenLlamaTests/Fixtures/lora-peft-golden.json was made that way, on 2026-12-08:

    FULMEN_TORCH_PYTHON=~/.cache/fulmen-bench-venv/bin/python FULMEN_WRITE_GOLDEN=1 \
        swift test --skip-build --filter LoRAPEFTGoldenTests
"""
import json
import os
import sys
import zlib

import numpy as np
import torch


def top(logits, k):
    """Per position, the k largest (id, logit), largest first."""
    values, ids = torch.topk(logits, k, dim=-1)
    return [[[int(i), float(v)] for i, v in zip(row_ids, row_values)]
            for row_ids, row_values in zip(ids.tolist(), values.tolist())]


def main(model_path, adapter_dir, request_path, out_path):
    import peft
    import transformers
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    with open(request_path) as f:
        request = json.load(f)
    k = int(request.get("top", 20))
    base = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(os.path.abspath(model_path)), gguf_file=os.path.basename(model_path), dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir)
    model.eval()
    with open(os.path.join(adapter_dir, "adapter_model.safetensors"), "rb") as f:
        crc = zlib.crc32(f.read())
    out = dict(request)
    out.update({
        "made_by": "scripts/golden/lora-peft-golden.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "adapter_crc32": crc,
        "prompts": [],
    })
    with torch.no_grad():
        for tokens in request["prompts"]:
            ids = torch.tensor([tokens], dtype=torch.long)
            adapted = model(input_ids=ids).logits[0].float()
            with model.disable_adapter():
                base_logits = model(input_ids=ids).logits[0].float()
            shift = (adapted - base_logits).abs().max().item()
            print(f"prompt of {len(tokens)} tokens: the adapter moves logits by up to {shift:.3f}", file=sys.stderr)
            out["prompts"].append({"tokens": tokens, "top": top(adapted, k), "base_top": top(base_logits, k)})
    with open(out_path, "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
