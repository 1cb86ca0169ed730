#!/usr/bin/env bash
# The runner benchmark: episodes per second of one runner pool playing `calc` with the `tiny` policy, at
# concurrency 1, 8, 32 and 64, and batched against unbatched inference at 32; the store runs in its own
# process (in memory). Three rounds; medians are reported.
# Prints a table and ends with one `runner: key=value ...` line (see benchmarks/README.md).
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
out="$(bench_out runner)"

build_release runner fulmen RunnerBenchmark
bin="$root/.build/release"

round() {
    local port endpoint store
    port=$(free_port)
    endpoint="tcp://127.0.0.1:$port"
    start_and_wait "$out/store.log" "store ready at" "$bin/fulmen" store --in-memory --bind "$endpoint" --log-level error
    store=$STARTED_PID
    OPENBLAS_NUM_THREADS=1 "$bin/RunnerBenchmark" "$endpoint"
    kill "$store" 2>/dev/null || true
    wait 2>/dev/null || true
}

run_rounds runner 3 free_port start_and_wait

python3 - "$out/rounds.txt" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in line.split()) for line in open(sys.argv[1]) if "=" in line]
m = {k: statistics.median(float(r[k]) for r in rows) for k in rows[0]}
print(f"{'calc, tiny policy, one pool':34}{'episodes/s':>12}{'vs c1':>9}")
for c in (1, 8, 32, 64):
    print(f"{'concurrency ' + str(c):34}{m[f'eps_c{c}']:>12.1f}{m[f'eps_c{c}'] / m['eps_c1']:>9.1f}")
print(f"{'concurrency 32, unbatched':34}{m['eps_c32_unbatched']:>12.1f}{m['eps_c32_unbatched'] / m['eps_c1']:>9.1f}")
print("target: concurrency 32 at least 8x concurrency 1")
print(f"runner: eps_c1={m['eps_c1']:.1f} eps_c8={m['eps_c8']:.1f} eps_c32={m['eps_c32']:.1f} eps_c64={m['eps_c64']:.1f} "
      f"speedup_c32={m['eps_c32'] / m['eps_c1']:.2f} batched_vs_unbatched_c32={m['eps_c32'] / m['eps_c32_unbatched']:.2f}")
PY
