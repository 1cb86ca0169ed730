#!/usr/bin/env python3
"""The llama.cpp side of `benchmarks/run llm`: the protocol of LLMBenchmark (benchmarks/llm/*.swift) run through
llama-cpp-python's low-level C API (llama_decode on llama_batch, n_seq_max sequences in one context).

Needs: llama-cpp-python (0.3.36 here; it compiles llama.cpp, about 15 minutes on 2 cores), numpy, gguf. run.sh
makes the environment when FULMEN_LLM_VENV lacks it.

    llamacpp_reference.py infer --model GGUF --threads N [--prompt 512] [--decode-prompt 32] [--new 64]
                                [--batches 1,16,32] [--repeats 3]
        prefill tokens/s (one llama_decode of the prompt in a one-sequence context, logits of its last position)
        and greedy decode tokens/s at each batch size B: a context of n_seq_max = B (kv_unified off: a KV cell
        range of its own for each sequence), the B prompts in one llama_decode, then each step one llama_decode of
        B tokens; decode tok/s = B·(new − 1) / (time of the steps after the first sample).
    llamacpp_reference.py logits --model F32-GGUF --out DIR [--threads N]
        logits of 4 ChatML prompts (scripts/golden/llm-logits.py's `conversation`, 64 to 512 tokens) at every 32nd
        position and the last: DIR/logits.json and DIR/logits.f32 (what `LLMBenchmark logits` reads). The F32
        file is made with scripts/golden/llm-logits.py's `dequantize` (run.sh calls it).
    llamacpp_reference.py tokenize --model GGUF --out JSON
        llama.cpp's ids for every string of Tests/TokenizersTests/Fixtures/tokenizer-golden.json (the corpus of
        scripts/golden/tokenizer-llamacpp-check.py), with special tokens parsed and verbatim.
"""
import argparse, ctypes, importlib.util, json, os, random, resource, sys, time

import numpy as np
import llama_cpp as L
from llama_cpp._logger import set_verbose

set_verbose(False)  # llama.cpp's loading and graph logs; errors still print

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def golden_module(name):
    """One of scripts/golden/*.py, imported by path (their names have dashes)."""
    path = os.path.join(ROOT, "scripts", "golden", name + ".py")
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tokens(sequence, count):
    """The benchmark's synthetic ids, as Measuring.tokens computes them on the Swift side."""
    return [100 + (7919 * (sequence * 4099 + j) + 104729 * sequence) % 48000 for j in range(count)]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_model(path):
    L.llama_backend_init()
    model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
    if not model:
        sys.exit(f"llamacpp_reference: cannot load {path}")
    return model


class Context:
    """One llama.cpp context on a loaded model: n_seq sequences, each with its own n_ctx / n_seq KV cells
    (kv_unified off), and a batch of up to n_batch tokens."""

    def __init__(self, model, threads, n_ctx, n_seq, n_batch):
        self.model = model
        params = L.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_seq_max = n_seq
        params.n_threads = threads
        params.n_threads_batch = threads
        params.kv_unified = False
        self.ctx = L.llama_init_from_model(model, params)
        if not self.ctx:
            sys.exit(f"llamacpp_reference: cannot make a context of {n_ctx} cells for {n_seq} sequences")
        self.vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
        self.batch = L.llama_batch_init(n_batch, 0, 1)
        self.capacity = n_batch

    def close(self):
        L.llama_batch_free(self.batch)
        L.llama_free(self.ctx)

    def clear(self):
        L.llama_memory_clear(L.llama_get_memory(self.ctx), True)

    def decode(self, entries):
        """One llama_decode of (token, position, sequence, wants_logits) entries; returns the logits rows, in order."""
        assert len(entries) <= self.capacity
        b = self.batch
        outputs = 0
        for i, (token, position, sequence, logits) in enumerate(entries):
            b.token[i] = token
            b.pos[i] = position
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = sequence
            b.logits[i] = logits
            outputs += bool(logits)
        b.n_tokens = len(entries)
        status = L.llama_decode(self.ctx, b)
        if status != 0:
            sys.exit(f"llamacpp_reference: llama_decode returned {status}")
        return np.ctypeslib.as_array(L.llama_get_logits(self.ctx), shape=(outputs, self.vocab))


def cells(count):
    """`count` KV cells rounded up to llama.cpp's 256-cell padding."""
    return -(-count // 256) * 256


def infer(args):
    model = load_model(args.model)
    print(f"llama.cpp {L.__version__}: {args.model} threads={args.threads}")

    def timed(c, body):
        times = []
        for repetition in range(args.repeats + 1):
            c.clear()
            t = body()
            if repetition > 0:
                times.append(t)
        return float(np.median(times))

    # Prefill: a one-sequence context holding the prompt, all of it in one llama_decode.
    prompt = tokens(0, args.prompt)
    c = Context(model, args.threads, cells(args.prompt + 16), 1, args.prompt)

    def prefill():
        start = time.perf_counter()
        logits = c.decode([(t, i, 0, i == len(prompt) - 1) for i, t in enumerate(prompt)])
        int(logits[0].argmax())
        return time.perf_counter() - start

    t = timed(c, prefill)
    c.close()
    prefill_rate = args.prompt / t
    print(f"prefill: {args.prompt} tokens in {t * 1e3:.1f} ms -> {prefill_rate:.1f} tok/s")
    line = f"threads={args.threads} prefill_tok_s={prefill_rate:.1f}"

    # Decoding at batch B: a context of n_seq_max = B, each sequence with the cells its prompt and tokens need.
    for batch in (int(b) for b in args.batches.split(",")):
        prompts = [tokens(1 + s, args.decode_prompt) for s in range(batch)]
        c = Context(model, args.threads, batch * cells(args.decode_prompt + args.new + 16), batch,
                    batch * args.decode_prompt)

        def decode():
            entries = [(t, i, s, i == len(p) - 1) for s, p in enumerate(prompts) for i, t in enumerate(p)]
            last = c.decode(entries).argmax(axis=1)
            start = time.perf_counter()
            for step in range(args.new - 1):
                position = args.decode_prompt + step
                last = c.decode([(int(last[s]), position, s, True) for s in range(batch)]).argmax(axis=1)
            return time.perf_counter() - start

        t = timed(c, decode)
        c.close()
        rate = batch * (args.new - 1) / t
        print(f"decode: batch={batch} prompt={args.decode_prompt} new={args.new}: {t * 1e3:.1f} ms for the "
              f"steps after the first sample -> {rate:.1f} tok/s")
        line += f" decode_b{batch}_tok_s={rate:.1f}"
    print(line + f" peak_rss_mb={peak_rss_mb():.1f}")


def logits(args):
    conversation = golden_module("llm-logits").conversation
    r = random.Random(20261208)
    c = Context(load_model(args.model), args.threads, 1024, 1, 512)
    vocab_handle = L.llama_model_get_vocab(c.model)
    prompts = []
    with open(os.path.join(args.out, "logits.f32"), "wb") as rows:
        for length in (64, 160, 320, 512):
            text = conversation(r, length).encode()
            buffer = (L.llama_token * 2048)()
            n = L.llama_tokenize(vocab_handle, text, len(text), buffer, 2048, False, True)
            ids = list(buffer[: min(n, length)])
            positions = sorted(set(range(0, len(ids), 32)) | {len(ids) - 1})
            c.clear()
            out = c.decode([(t, i, 0, i in positions) for i, t in enumerate(ids)])
            rows.write(np.ascontiguousarray(out, dtype="<f4").tobytes())
            prompts.append({"tokens": ids, "positions": positions})
    with open(os.path.join(args.out, "logits.json"), "w") as f:
        json.dump({"llama_cpp_python": L.__version__, "vocabulary": c.vocab, "prompts": prompts}, f)
    print(f"logits: {len(prompts)} prompts, {sum(len(p['positions']) for p in prompts)} rows -> {args.out}")


def tokenize(args):
    golden = os.path.join(ROOT, golden_module("tokenizer-llamacpp-check").GOLDEN)
    llm = L.Llama(model_path=args.model, vocab_only=True, verbose=False)
    cases = []
    for case in json.load(open(golden, encoding="utf-8"))["cases"]:
        text = case["text"].encode("utf-8")
        cases.append({"text": case["text"], "ids": llm.tokenize(text, add_bos=False, special=True),
                      "idsVerbatim": llm.tokenize(text, add_bos=False, special=False)})
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"llama_cpp_python": L.__version__, "cases": cases}, f, ensure_ascii=False)
    print(f"tokenize: {len(cases)} strings -> {args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    i = commands.add_parser("infer")
    i.add_argument("--model", required=True)
    i.add_argument("--threads", type=int, default=1)
    i.add_argument("--prompt", type=int, default=512)
    i.add_argument("--decode-prompt", type=int, default=32)
    i.add_argument("--new", type=int, default=64)
    i.add_argument("--batches", default="1,16,32")
    i.add_argument("--repeats", type=int, default=3)
    g = commands.add_parser("logits")
    g.add_argument("--model", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--threads", type=int, default=2)
    t = commands.add_parser("tokenize")
    t.add_argument("--model", required=True)
    t.add_argument("--out", required=True)
    args = parser.parse_args()
    {"infer": infer, "logits": logits, "tokenize": tokenize}[args.command](args)


if __name__ == "__main__":
    main()
