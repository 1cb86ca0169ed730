#!/usr/bin/env bash
# The actor-system benchmark: distributed calls between two processes over loopback TCP, against
# raw libzmq DEALER/ROUTER round trips in C (floor.c) measured in the same run. Each side runs
# three times, alternating; medians are reported.
# Prints a table and ends with one `actors: key=value ...` line (see benchmarks/README.md).
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
out="$(bench_out actors)"

echo "actors benchmark: building the C floor" >&2
gcc -O2 -o "$out/floor" "$here/floor.c" -lzmq
build_release actors ActorsBenchmark
bench="$root/.build/release/ActorsBenchmark"

# run_pair SERVER_CMD CLIENT_CMD: start the server, wait for READY, run the client, stop the server.
run_pair() {
    local port
    port=$(free_port)
    local endpoint="tcp://127.0.0.1:$port"
    coproc SERVER { exec $1 server "$endpoint"; }
    read -r ready <&"${SERVER[0]}"
    [[ "$ready" == READY ]] || { echo "actors benchmark: server did not start" >&2; exit 1; }
    $2 client "$endpoint" | tail -1
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

for round in 1 2 3; do
    echo "actors benchmark: round $round/3" >&2
    locked bash -c "$(declare -f free_port run_pair); run_pair '$out/floor' '$out/floor'" >> "$out/floor.txt.new"
    locked bash -c "$(declare -f free_port run_pair); run_pair '$bench' '$bench'" >> "$out/fulmen.txt.new"
done
mv "$out/floor.txt.new" "$out/floor.txt"
mv "$out/fulmen.txt.new" "$out/fulmen.txt"

python3 - "$out/floor.txt" "$out/fulmen.txt" <<'PY'
import statistics, sys
def load(path):
    rows = [dict(kv.split("=") for kv in line.split()) for line in open(path) if "=" in line]
    return {k: statistics.median(float(r[k]) for r in rows) for k in rows[0]}
floor, fulmen = load(sys.argv[1]), load(sys.argv[2])
print(f"{'':40}{'raw libzmq (C)':>16}{'Fulmen actors':>16}{'ratio':>8}  target")
rows = [("round trip p50 (us)", "rtt_p50_us", "rtt_p50_us", "<= 1.5x floor"),
        ("round trip p99 (us)", "rtt_p99_us", "rtt_p99_us", ""),
        ("round trip p50, caller on the pool (us)", "rtt_p50_us", "pool_rtt_p50_us", ""),
        ("round trip p99, caller on the pool (us)", "rtt_p99_us", "pool_rtt_p99_us", ""),
        ("pipelined (round trips/s)", "pipelined_s", "pipelined_s", ">= 150000/s"),
        ("4 MiB payload (MiB/s)", "payload_mib_s", "payload_mib_s", ">= 1024 MiB/s")]
for label, floor_key, key, target in rows:
    print(f"{label:40}{floor[floor_key]:>16.1f}{fulmen[key]:>16.1f}{fulmen[key] / floor[floor_key]:>8.2f}  {target}")
print("(round trips: the caller prefers the node's I/O executor; 'on the pool': Swift's default executor)")
print(f"actors: rtt_p50_us={fulmen['rtt_p50_us']:.1f} rtt_p99_us={fulmen['rtt_p99_us']:.1f} "
      f"floor_rtt_p50_us={floor['rtt_p50_us']:.1f} rtt_ratio={fulmen['rtt_p50_us'] / floor['rtt_p50_us']:.2f} "
      f"pipelined_calls_s={fulmen['pipelined_s']:.0f} payload_mib_s={fulmen['payload_mib_s']:.0f} "
      f"pool_rtt_p50_us={fulmen['pool_rtt_p50_us']:.1f} pool_rtt_ratio={fulmen['pool_rtt_p50_us'] / floor['rtt_p50_us']:.2f}")
PY
