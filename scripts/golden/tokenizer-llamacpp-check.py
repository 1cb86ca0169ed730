#!/usr/bin/env python3
"""Checks the committed tokenizer golden ids (Tests/TokenizersTests/Fixtures/tokenizer-golden.json, made with
Hugging Face `tokenizers`) against llama.cpp's own tokenizer on the same GGUF.

Needs: llama-cpp-python (it compiles llama.cpp, about 15 minutes; a shared build lives in /work/venvs/llm here).

    /work/venvs/llm/bin/python scripts/golden/tokenizer-llamacpp-check.py /work/models/SmolLM2-135M-Instruct.Q4_1.gguf

Run on 2026-12-07 with llama-cpp-python 0.3.36: 0 mismatches of 2,371 strings with special tokens parsed, 0 with
special-token text left as text, and `add_bos=True` adds no BOS (the file's `add_bos_token` is false).
Where llama.cpp and `tokenizers` do differ, outside this corpus: a byte without a token inside a piece
(`tokenizers` drops it and merges its neighbours, "!\x04!" -> [10095] "!!"; llama.cpp keeps them apart, [17, 17];
Fulmen follows `tokenizers`), and overlapping special tokens (`tokenizers` takes the leftmost-longest match, llama.cpp
the longest token first; SmolLM2's special tokens never overlap).
"""
import json
import sys

import llama_cpp

GOLDEN = "Tests/TokenizersTests/Fixtures/tokenizer-golden.json"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/work/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    cases = json.load(open(GOLDEN, encoding="utf-8"))["cases"]
    parsed = verbatim = 0
    for case in cases:
        text = case["text"].encode("utf-8")
        if llm.tokenize(text, add_bos=False, special=True) != case["ids"]:
            parsed += 1
            print("special parsed:", repr(case["text"]))
        if llm.tokenize(text, add_bos=False, special=False) != case.get("idsVerbatim", case["ids"]):
            verbatim += 1
            print("verbatim:", repr(case["text"]))
    with_bos = llm.tokenize(b"Hi", add_bos=True, special=True)
    print("llama.cpp %s: %d strings, %d mismatches with special tokens parsed, %d verbatim; BOS %d, EOS %d, "
          "add_bos=True gives %s" % (llama_cpp.__version__, len(cases), parsed, verbatim, llm.token_bos(),
                                      llm.token_eos(), with_bos))
    sys.exit(1 if parsed or verbatim else 0)


if __name__ == "__main__":
    main()
