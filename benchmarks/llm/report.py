#!/usr/bin/env python3
"""The table and the final line of `benchmarks/run llm`, from the logs run.sh keeps in benchmarks/.out/llm.

    report.py OUT REPEATS LARGEST_BATCH THREADS...

Each side's best throughput over the REPEATS rounds and largest peak RSS (GNU time) are reported; the ratios of the
final line are those of the largest thread count (2 in the full run), LARGEST_BATCH standing for the batch of 32
(a smaller one in the quick smoke run).
"""
import re
import sys

out, repeats, largest = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
threads = sys.argv[4:]


def last_line(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if "=" in l]
    return {k: v for k, v in (kv.split("=", 1) for kv in lines[-1].split())}


def rss_mb(path):
    with open(path + ".rss") as f:
        return int(f.read().split()[-1]) / 1024


def best(side, t):
    """Each numeric metric's best over the rounds (largest throughput), and the largest peak RSS."""
    paths = [f"{out}/{side}-{t}-{r}.log" for r in range(1, repeats + 1)]
    runs = [last_line(p) for p in paths]
    keys = [k for k in runs[0] if k.endswith("_tok_s") or k == "train_gflops"]
    result = {k: max(float(run[k]) for run in runs) for k in keys}
    result["rss"] = max(rss_mb(p) for p in paths)
    return result


def batches(metrics):
    return sorted(int(m.group(1)) for m in (re.fullmatch(r"decode_b(\d+)_tok_s", k) for k in metrics) if m)


rows = []
for t in threads:
    flops_per_token = float(last_line(f"{out}/fulmen-lora-{t}-1.log")["flops_per_token"])
    torch = best("torch-lora", t)
    torch["train_gflops"] = torch["train_tok_s"] * flops_per_token / 1e9
    rows.append(dict(threads=t, fi=best("fulmen-infer", t), li=best("llamacpp-infer", t),
                     fl=best("fulmen-lora", t), tl=torch,
                     sgemm=float(last_line(f"{out}/sgemm-{t}.log")["sgemm_gflops"])))

print()
print("| threads | prefill tok/s Fulmen / llama.cpp (ratio) | "
      + " | ".join(f"decode b{b} tok/s Fulmen / llama.cpp (ratio)" for b in batches(rows[0]["fi"]))
      + f" | Fulmen b{largest} / llama.cpp b1 | LoRA train tok/s Fulmen / PyTorch (ratio) | LoRA GFLOP/s Fulmen / "
      "PyTorch | sgemm GFLOP/s | peak fraction Fulmen / PyTorch | peak RSS MB inference Fulmen / llama.cpp | "
      "peak RSS MB LoRA Fulmen / PyTorch |")
print("|---" * (9 + len(batches(rows[0]["fi"]))) + "|")
for r in rows:
    fi, li, fl, tl = r["fi"], r["li"], r["fl"], r["tl"]
    cells = [r["threads"], f"{fi['prefill_tok_s']:,.0f} / {li['prefill_tok_s']:,.0f} "
             f"({fi['prefill_tok_s'] / li['prefill_tok_s']:.2f}x)"]
    for b in batches(fi):
        f, l = fi[f"decode_b{b}_tok_s"], li[f"decode_b{b}_tok_s"]
        cells.append(f"{f:,.0f} / {l:,.0f} ({f / l:.2f}x)")
    cells.append(f"{fi[f'decode_b{largest}_tok_s'] / li['decode_b1_tok_s']:.2f}x")
    cells.append(f"{fl['train_tok_s']:,.0f} / {tl['train_tok_s']:,.0f} ({fl['train_tok_s'] / tl['train_tok_s']:.2f}x)")
    cells.append(f"{fl['train_gflops']:.1f} / {tl['train_gflops']:.1f}")
    cells.append(f"{r['sgemm']:.1f}")
    cells.append(f"{fl['train_gflops'] / r['sgemm']:.0%} / {tl['train_gflops'] / r['sgemm']:.0%}")
    cells.append(f"{fi['rss']:.0f} / {li['rss']:.0f}")
    cells.append(f"{fl['rss']:.0f} / {tl['rss']:.0f}")
    print("| " + " | ".join(cells) + " |")
print()
logits = last_line(f"{out}/logits.log")
tokenizer = last_line(f"{out}/tokenizer.log")
r = max(rows, key=lambda row: int(row["threads"]))
fi, li, fl, tl = r["fi"], r["li"], r["fl"], r["tl"]
print("llm: "
      f"prefill_ratio={fi['prefill_tok_s'] / li['prefill_tok_s']:.2f} "
      f"decode_b1_ratio={fi['decode_b1_tok_s'] / li['decode_b1_tok_s']:.2f} "
      f"decode_b32_over_llamacpp_b1={fi[f'decode_b{largest}_tok_s'] / li['decode_b1_tok_s']:.2f} "
      f"lora_train_ratio={fl['train_tok_s'] / tl['train_tok_s']:.2f} "
      f"lora_peak_fraction={fl['train_gflops'] / r['sgemm']:.2f} "
      f"logits_max_rel_err={float(logits['logits_max_rel_err']):.1e} "
      f"tokenizer_mismatches={tokenizer['tokenizer_mismatches']}")
