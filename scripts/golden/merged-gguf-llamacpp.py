#!/usr/bin/env python3
"""Logits of GGUF files exported by Fulmen (a merged model, `Llama.exportGGUF`) as llama.cpp computes them.

Needs: llama-cpp-python (it compiles llama.cpp: about 15 minutes on 2 cores, so CI never runs this; here it is in
/work/venvs/llm/bin/python), numpy.

    merged-gguf-llamacpp.py REQUEST.json OUT.json NAME=EXPORT.gguf [NAME=EXPORT.gguf ...]

- REQUEST.json: {"prompts": [[token ids], ...], "top": K, ...}; other keys (the adapter's CRC-32, its seed) are
  copied to OUT.json.
- OUT.json: the request's keys, llama_cpp_python's version, and per NAME (e.g. "f32", "f16") per prompt `tokens` and
  `top`: at every position the K largest (id, logit) from llama.cpp on that file (2 threads; key/value cache in F32,
  not llama.cpp's default F16, so that what is compared is the exported weights, not the cache's rounding), plus
  the file's `general.file_type` as llama.cpp read it and whether it found a chat template.

FulmenLlamaTests' MergedGGUFLlamaCppTests merges a seeded adapter into the bundled model, exports it as F32 and
F16, runs this script when FULMEN_LLAMACPP_PYTHON is set, and compares. The committed golden
Tests/FulmenLlamaTests/Fixtures/merged-gguf-llamacpp.json was made that way, on 2026-12-08:

    FULMEN_LLAMACPP_PYTHON=/work/venvs/llm/bin/python FULMEN_WRITE_GOLDEN=1 \
        swift test --skip-build --filter MergedGGUFLlamaCppTests
"""
import json
import sys

import numpy as np


def main(request_path, out_path, files):
    import llama_cpp
    from llama_cpp import Llama

    with open(request_path) as f:
        request = json.load(f)
    k = int(request.get("top", 20))
    longest = max(len(p) for p in request["prompts"])
    out = dict(request)
    out.update({"made_by": "scripts/golden/merged-gguf-llamacpp.py", "llama_cpp_python": llama_cpp.__version__,
                "kv_cache": "f32", "files": {}})
    for spec in files:
        name, path = spec.split("=", 1)
        llm = Llama(model_path=path, n_ctx=max(64, longest), n_batch=512, n_threads=2, n_threads_batch=2,
                    logits_all=True, verbose=False, type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32,
                    flash_attn=False)
        prompts = []
        for tokens in request["prompts"]:
            llm.reset()
            llm.eval(tokens)
            scores = np.array(llm.scores[: len(tokens)])
            rows = []
            for row in scores:
                order = np.argsort(-row)[:k]
                rows.append([[int(i), round(float(row[i]), 5)] for i in order])
            prompts.append({"tokens": tokens, "top": rows})
        out["files"][name] = {"file_type": int(llm.metadata.get("general.file_type", -1)),
                              "chat_template": "tokenizer.chat_template" in llm.metadata, "prompts": prompts}
        print(f"{name}: {path}: {len(prompts)} prompts", file=sys.stderr)
        del llm
    with open(out_path, "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
