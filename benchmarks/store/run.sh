#!/usr/bin/env bash
# The store benchmark: a durable `fulmen store` (SQLite, WAL) called over loopback TCP by separate
# client processes. Three rounds on a fresh data directory each; medians are reported against the
# reference store (Agent Lightning 0.3.0 over HTTP, ../shared/anchors.md).
# Prints a table and ends with one `store: key=value ...` line (see benchmarks/README.md).
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
out="$(bench_out store)"

build_release store fulmen StoreBenchmark
bin="$root/.build/release"

# One round: a store on a fresh directory, the call benchmarks, then the end-to-end drain with
# two runner processes; ends with the store's peak resident memory.
round() {
    local data port endpoint store r1 r2 calls drain rss
    data="$(mktemp -d)"
    port=$(free_port)
    endpoint="tcp://127.0.0.1:$port"
    start_and_wait "$out/store.log" "store ready at" "$bin/fulmen" store --data "$data" --bind "$endpoint" --log-level error
    store=$STARTED_PID
    calls=$("$bin/StoreBenchmark" calls "$endpoint")
    start_and_wait "$out/runner-1.log" READY "$bin/StoreBenchmark" runner "$endpoint" runner-1
    r1=$STARTED_PID
    start_and_wait "$out/runner-2.log" READY "$bin/StoreBenchmark" runner "$endpoint" runner-2
    r2=$STARTED_PID
    drain=$("$bin/StoreBenchmark" drain "$endpoint" 10000)
    rss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$store/status")
    kill "$r1" "$r2" "$store" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$data"
    echo "$calls $drain store_peak_rss_mib=$rss"
}

run_rounds store 3 free_port start_and_wait

python3 - "$out/rounds.txt" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in line.split()) for line in open(sys.argv[1]) if "=" in line]
m = {k: statistics.median(float(r[k]) for r in rows) for k in rows[0]}
anchor = {"enqueue_batched_per_s": 310, "enqueue_single_per_s": 310, "dequeue_complete_per_s": 155,
          "spans10_per_s": 300, "spans_per_s": 300, "e2e_drain_per_s": 46}
target = {"enqueue_batched_per_s": 20000, "dequeue_complete_per_s": 5000, "spans_per_s": 100000, "e2e_drain_per_s": 3000}
labels = [("enqueue, batches of 100 (/s)", "enqueue_batched_per_s"), ("enqueue, one per call (/s)", "enqueue_single_per_s"),
          ("dequeue + complete (/s)", "dequeue_complete_per_s"), ("spans, batches of 10 (/s)", "spans10_per_s"),
          ("spans, batches of 100 (/s)", "spans_per_s"), ("drain 10k, 2 runners (/s)", "e2e_drain_per_s")]
print(f"{'':32}{'reference (HTTP)':>18}{'Fulmen':>12}{'ratio':>9}  target")
for label, key in labels:
    t = f">= {target[key]}/s" if key in target else ""
    print(f"{label:32}{anchor[key]:>18}{m[key]:>12.0f}{m[key] / anchor[key]:>9.1f}  {t}")
print(f"{'store peak RSS (MiB)':32}{'':>18}{m['store_peak_rss_mib']:>12.0f}")
keys = ["enqueue_batched_per_s", "enqueue_single_per_s", "dequeue_complete_per_s", "spans_per_s", "e2e_drain_per_s", "spans10_per_s"]
print("store: " + " ".join(f"{k}={m[k]:.0f}" for k in keys)
      + " " + " ".join(f"{k.replace('_per_s', '_ratio')}={m[k] / anchor[k]:.1f}" for k in keys)
      + f" store_peak_rss_mib={m['store_peak_rss_mib']:.0f}")
PY
