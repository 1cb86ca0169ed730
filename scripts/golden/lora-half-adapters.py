#!/usr/bin/env python3
"""F16 and BF16 copies of the tiny reference LoRA adapter, saved as torch users save them, for FulmenLlamaTests.

Needs: torch, safetensors (e.g. ~/.cache/fulmen-bench-venv/bin/python). Run from the repository root, after
scripts/golden/lora-reference.py:

    ~/.cache/fulmen-bench-venv/bin/python scripts/golden/lora-half-adapters.py

It reads Tests/FulmenLlamaTests/Fixtures/lora-reference/adapter_model.safetensors (F32), converts every tensor with
torch (`tensor.to(torch.float16)` / `torch.bfloat16`: round to nearest, ties to even) and writes
Fixtures/lora-reference-f16/ and Fixtures/lora-reference-bf16/, each with the same adapter_config.json and an
adapter_model.safetensors of that dtype (`safetensors.torch.save_file`, as `PeftModel.save_pretrained` does for an
adapter trained in half precision).
"""
import os
import shutil

import torch
from safetensors.torch import load_file, save_file

FIXTURES = "Tests/FulmenLlamaTests/Fixtures"


def main():
    source = os.path.join(FIXTURES, "lora-reference")
    tensors = load_file(os.path.join(source, "adapter_model.safetensors"))
    for name, dtype in (("f16", torch.float16), ("bf16", torch.bfloat16)):
        out = os.path.join(FIXTURES, f"lora-reference-{name}")
        os.makedirs(out, exist_ok=True)
        shutil.copyfile(os.path.join(source, "adapter_config.json"), os.path.join(out, "adapter_config.json"))
        converted = {key: value.to(dtype).contiguous() for key, value in tensors.items()}
        save_file(converted, os.path.join(out, "adapter_model.safetensors"), metadata={"format": "pt"})
        worst = max((value.float() - tensors[key]).abs().max().item() for key, value in converted.items())
        print(f"wrote {out}: {len(converted)} tensors in {dtype}, largest rounding {worst:.2e}")


if __name__ == "__main__":
    main()
