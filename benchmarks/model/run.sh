#!/usr/bin/env bash
# The model engine benchmark: FulmenModel (ModelBenchmark) side by side with the PyTorch reference
# (../shared/peers/torch_tinygpt.py), same presets, batch, context and thread counts, in the same run.
# Prints a table and ends with one `model: key=value ...` line (see benchmarks/README.md).
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
#              FULMEN_BENCH_VENV=/path  where PyTorch is installed (default ~/.cache/fulmen-bench-venv)
#              FULMEN_MODEL_PRESETS="tiny small", FULMEN_MODEL_THREADS="1 2"  to run a subset
#              FULMEN_MODEL_REPEATS=2  alternate PyTorch and Fulmen this many times per configuration; each side's
#                                      best throughput (and largest peak RSS) is reported
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
peer="${FULMEN_TORCH_PEER:-$root/../shared/peers/torch_tinygpt.py}"
venv="${FULMEN_BENCH_VENV:-$HOME/.cache/fulmen-bench-venv}"
presets="${FULMEN_MODEL_PRESETS:-tiny small}"
threads_list="${FULMEN_MODEL_THREADS:-1 2}"
repeats="${FULMEN_MODEL_REPEATS:-2}"
out="$(bench_out model)"

if [[ ! -f "$peer" ]]; then
    echo "model benchmark: PyTorch reference not found at $peer (set FULMEN_TORCH_PEER)" >&2
    exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "model benchmark: installing GNU time (peak memory measurement)" >&2
    apt-get install -y -q time >/dev/null
fi
if ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "model benchmark: installing PyTorch into $venv (about 5.4 GB, several minutes)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --disable-pip-version-check --progress-bar off torch numpy 2>&1 \
        | grep --line-buffered -E "^(Collecting|Downloading|Installing|Successfully)" >&2 || true
    "$venv/bin/python" -c "import torch; print('model benchmark: torch', torch.__version__)" >&2
fi

echo "model benchmark: building ModelBenchmark (release)" >&2
(cd "$root" && locked swift build -c release --scratch-path .build-model --product ModelBenchmark >&2)
bench="$root/.build-model/release/ModelBenchmark"

# Runs a command under GNU time; its stdout goes to $1, its peak RSS (KiB) to $1.rss.
measure() {
    local log="$1"
    shift
    locked /usr/bin/time -f "%M" -o "$log.rss" "$@" >"$log"
}

for preset in $presets; do
    for threads in $threads_list; do
        echo "model benchmark: $preset, $threads thread(s): sgemm peak, PyTorch, Fulmen" >&2
        locked "$bench" sgemm --preset "$preset" --threads "$threads" >"$out/sgemm-$preset-$threads.log"
        for repeat in $(seq "$repeats"); do
            measure "$out/torch-$preset-$threads-$repeat.log" env OMP_NUM_THREADS="$threads" \
                MKL_NUM_THREADS="$threads" "$venv/bin/python" "$peer" --preset "$preset" --threads "$threads"
            measure "$out/fulmen-$preset-$threads-$repeat.log" env OPENBLAS_NUM_THREADS=1 \
                "$bench" run --preset "$preset" --threads "$threads"
            tail -n 1 "$out/torch-$preset-$threads-$repeat.log" >&2
            tail -n 1 "$out/fulmen-$preset-$threads-$repeat.log" >&2
        done
    done
done

python3 - "$out" "$repeats" $presets -- $threads_list <<'PY'
import sys

out, repeats = sys.argv[1], int(sys.argv[2])
split = sys.argv.index("--")
presets, threads = sys.argv[3:split], sys.argv[split + 1:]


def last_line(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if "=" in l]
    return dict(kv.split("=", 1) for kv in lines[-1].split())


def rss_mb(path):
    with open(path + ".rss") as f:
        return int(f.read().split()[-1]) / 1024


def best(side, p, t):
    """The best throughput of each metric over the repeats, and the largest peak RSS."""
    runs = [last_line(f"{out}/{side}-{p}-{t}-{r}.log") for r in range(1, repeats + 1)]
    result = {k: max(float(run[k]) for run in runs)
              for k in ("train_tok_s", "train_gflops", "gen_tok_s_b1", "gen_tok_s_b16")}
    result["rss"] = max(rss_mb(f"{out}/{side}-{p}-{t}-{r}.log") for r in range(1, repeats + 1))
    return result


rows = []
for p in presets:
    for t in threads:
        peak = float(last_line(f"{out}/sgemm-{p}-{t}.log")["sgemm_gflops"])
        torch = best("torch", p, t)
        fulmen = best("fulmen", p, t)
        rows.append(dict(
            preset=p, threads=t, peak=peak,
            t_train=float(torch["train_tok_s"]), f_train=float(fulmen["train_tok_s"]),
            t_gflops=float(torch["train_gflops"]), f_gflops=float(fulmen["train_gflops"]),
            t_b1=float(torch["gen_tok_s_b1"]), f_b1=float(fulmen["gen_tok_s_b1"]),
            t_b16=float(torch["gen_tok_s_b16"]), f_b16=float(fulmen["gen_tok_s_b16"]),
            t_rss=torch["rss"], f_rss=fulmen["rss"],
        ))

print()
print("| preset | threads | train tok/s Fulmen / PyTorch (ratio) | GFLOP/s Fulmen / PyTorch | sgemm peak | "
      "peak fraction Fulmen / PyTorch | gen b1 tok/s (ratio) | gen b16 tok/s (ratio) | peak RSS MB (ratio) |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['preset']} | {r['threads']} "
          f"| {r['f_train']:,.0f} / {r['t_train']:,.0f} ({r['f_train'] / r['t_train']:.2f}x) "
          f"| {r['f_gflops']:.1f} / {r['t_gflops']:.1f} | {r['peak']:.1f} "
          f"| {r['f_gflops'] / r['peak']:.0%} / {r['t_gflops'] / r['peak']:.0%} "
          f"| {r['f_b1']:,.0f} / {r['t_b1']:,.0f} ({r['f_b1'] / r['t_b1']:.2f}x) "
          f"| {r['f_b16']:,.0f} / {r['t_b16']:,.0f} ({r['f_b16'] / r['t_b16']:.2f}x) "
          f"| {r['f_rss']:.0f} / {r['t_rss']:.0f} ({r['f_rss'] / r['t_rss']:.2f}) |")
print()
tiny1 = [r for r in rows if r["preset"] == "tiny" and r["threads"] == "1"]
fraction = f"{tiny1[0]['f_gflops'] / tiny1[0]['peak']:.2f}" if tiny1 else "n/a"
print("model: "
      f"train_ratio_min={min(r['f_train'] / r['t_train'] for r in rows):.2f} "
      f"tiny_t1_peak_fraction={fraction} "
      f"gen_b1_ratio={min(r['f_b1'] / r['t_b1'] for r in rows):.2f} "
      f"gen_b16_ratio={min(r['f_b16'] / r['t_b16'] for r in rows):.2f} "
      f"peak_rss_ratio={max(r['f_rss'] / r['t_rss'] for r in rows):.2f}")
PY
