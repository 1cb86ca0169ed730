#!/usr/bin/env python3
"""Reference logits of the bundled model from llama.cpp, for Fulmen's Llama-family tests.

Needs `gguf numpy llama-cpp-python` (llama-cpp-python compiles llama.cpp: about 15 minutes on 2 cores, so CI never
runs this; its output is committed).

    llm-logits.py dequantize MODEL.gguf OUT.f32.gguf
        Writes MODEL with every tensor dequantised to F32 by `gguf.quants.dequantize` (metadata kept), so that
        llama.cpp and Fulmen compute with the same Float32 weights.
    llm-logits.py golden MODEL.gguf OUT.json [--threads 2]
        Runs 20 seeded prompts (ChatML conversations of 24 to 512 tokens, tokenised by llama.cpp) through llama.cpp
        on MODEL.f32.gguf (made beside OUT.json's temp folder if absent) and on MODEL itself, and writes:
          prompts[i].tokens        the prompt's token ids
          prompts[i].positions     every 16th position and the last
          prompts[i].top           at each of those positions, the 20 largest (id, logit) of the F32 model
          prompts[i].argmax_q41    at every position, llama.cpp's argmax on MODEL's own quantised weights
"""
import argparse, hashlib, json, os, random, sys

import numpy as np
import gguf


def dequantize(source, target):
    reader = gguf.GGUFReader(source)
    architecture = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(target, architecture)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
    arrays = []
    for tensor in reader.tensors:
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        # GGUF lists dims innermost-first; numpy's shape is outermost-first.
        values = values.reshape([int(d) for d in reversed(tensor.shape.tolist())])
        arrays.append((tensor.name, values))
        writer.add_tensor_info(tensor.name, values.shape, values.dtype, values.nbytes, gguf.GGMLQuantizationType.F32)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, values in arrays:
        writer.write_tensor_data(values)
    writer.close()


WORDS = ("the model reads every token and predicts the next one while a small agent calls tools and waits for "
         "results before it answers with a number").split()
TOPICS = [
    lambda r: f"A shop sells {r.randint(2, 90)} boxes with {r.randint(2, 40)} pens each and {r.randint(1, 300)} more pens. How many pens?",
    lambda r: f"What is {r.randint(10, 999)} {r.choice('+-*')} {r.randint(10, 99)}?",
    lambda r: "def f(x):\n    return [i * i for i in range(x) if i % 2 == 0]\n\nWhat does f(" + str(r.randint(3, 12)) + ") return?",
    lambda r: "Translate to French: " + " ".join(r.choice(WORDS) for _ in range(r.randint(5, 30))) + ".",
    lambda r: "Résumé en une phrase : « " + " ".join(r.choice(WORDS) for _ in range(r.randint(10, 40))) + " ». Привет, 世界! 🙂",
    lambda r: "Summarise:\n" + "\n".join(" ".join(r.choice(WORDS) for _ in range(r.randint(8, 20))) for _ in range(r.randint(2, 12))),
]


def conversation(r, target_tokens):
    """ChatML text of roughly `target_tokens` tokens (cut to that many after tokenising)."""
    messages = [("system", "You are a helpful AI assistant named SmolLM, trained by Hugging Face")]
    while sum(len(c) for _, c in messages) < target_tokens * 4:
        messages.append(("user", r.choice(TOPICS)(r)))
        messages.append(("assistant", " ".join(r.choice(WORDS) for _ in range(r.randint(3, 25)))))
    text = "".join(f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in messages[:-1])
    return text + "<|im_start|>assistant\n"


def golden(model, out, threads):
    from llama_cpp import Llama

    f32 = os.path.splitext(out)[0] + ".f32.gguf"
    if not os.path.exists(f32):
        print(f"dequantising {model} to {f32}", file=sys.stderr)
        dequantize(model, f32)
    r = random.Random(20261207)
    lengths = [24, 48, 64, 96, 128, 160, 200, 240, 256, 300, 320, 360, 384, 400, 420, 448, 470, 490, 500, 512]
    quantised = Llama(model_path=model, n_ctx=1024, n_batch=512, n_threads=threads, n_threads_batch=threads,
                      logits_all=True, verbose=False)
    prompts = []
    for length in lengths:
        text = conversation(r, length)
        tokens = quantised.tokenize(text.encode(), add_bos=False, special=True)[:length]
        prompts.append({"length": length, "tokens": tokens})
    for prompt in prompts:
        quantised.reset()
        quantised.eval(prompt["tokens"])
        scores = np.array(quantised.scores[: len(prompt["tokens"])])
        prompt["argmax_q41"] = scores.argmax(axis=1).tolist()
    del quantised
    full = Llama(model_path=f32, n_ctx=1024, n_batch=512, n_threads=threads, n_threads_batch=threads,
                 logits_all=True, verbose=False)
    for prompt in prompts:
        full.reset()
        full.eval(prompt["tokens"])
        scores = np.array(full.scores[: len(prompt["tokens"])])
        n = len(prompt["tokens"])
        positions = sorted(set(range(0, n, 16)) | {n - 1})
        prompt["positions"] = positions
        prompt["top"] = []
        for p in positions:
            order = np.argsort(-scores[p])[:20]
            prompt["top"].append([[int(i), round(float(scores[p][i]), 5)] for i in order])
    with open(model, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    import llama_cpp
    with open(out, "w") as f:
        json.dump({"model_sha256": digest, "llama_cpp_python": llama_cpp.__version__, "threads": threads,
                   "prompts": [{k: p[k] for k in ("tokens", "positions", "top", "argmax_q41")} for p in prompts]},
                  f, separators=(",", ":"))
    print(f"wrote {out}: {len(prompts)} prompts, {sum(len(p['positions']) for p in prompts)} positions", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    d = commands.add_parser("dequantize")
    d.add_argument("model")
    d.add_argument("out")
    g = commands.add_parser("golden")
    g.add_argument("model")
    g.add_argument("out")
    g.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.command == "dequantize":
        dequantize(args.model, args.out)
    else:
        golden(args.model, args.out, args.threads)


if __name__ == "__main__":
    main()
