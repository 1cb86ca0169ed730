#!/usr/bin/env bash
# The endpoint benchmark: chat-completion calls per second through a runner pool's OpenAI-compatible HTTP
# endpoint against the in-process model client on the same pool engine, 32 concurrent clients (keep-alive
# HTTP/1.1 connections; URLSession clients too, for comparison), short prompts, 16 new tokens. Three rounds;
# medians are reported.
# Prints a table and ends with one `endpoint: key=value ...` line (see benchmarks/README.md).
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
out="$(bench_out endpoint)"

build_release endpoint EndpointBenchmark
bin="$root/.build/release"

round() {
    OPENBLAS_NUM_THREADS=1 "$bin/EndpointBenchmark" 20
}

run_rounds endpoint 3

python3 - "$out/rounds.txt" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in line.split()) for line in open(sys.argv[1]) if "=" in line]
m = {k: statistics.median(float(r[k]) for r in rows) for k in rows[0]}
ratio = m["inproc_calls_s"] / m["http_calls_s"]
print(f"{'32 clients, 16 new tokens, tiny':34}{'calls/s':>10}{'time/call':>12}")
print(f"{'in-process llm client':34}{m['inproc_calls_s']:>10.1f}{1000 / m['inproc_calls_s']:>10.2f}ms")
print(f"{'HTTP endpoint':34}{m['http_calls_s']:>10.1f}{1000 / m['http_calls_s']:>10.2f}ms")
print(f"{'HTTP endpoint, URLSession clients':34}{m['urlsession_calls_s']:>10.1f}{1000 / m['urlsession_calls_s']:>10.2f}ms")
print(f"HTTP time per call is {ratio:.3f}x the in-process one (target: at most 1.20x)")
print(f"endpoint: http_calls_s={m['http_calls_s']:.1f} inproc_calls_s={m['inproc_calls_s']:.1f} http_overhead_ratio={ratio:.3f} "
      f"urlsession_calls_s={m['urlsession_calls_s']:.1f} urlsession_overhead_ratio={m['inproc_calls_s'] / m['urlsession_calls_s']:.3f}")
PY
