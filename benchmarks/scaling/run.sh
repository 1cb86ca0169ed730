#!/usr/bin/env bash
# The scaling benchmark: rollouts per second of 1, 2, 4, 8 and 16 runner processes (each a pool of 64
# episodes that wait on a 50 ms tool: I/O-bound, no model call) against one `fulmen store` on a data
# directory, with the store's CPU share and CPU time per rollout; then 16 processes again as 4 hosts of 4
# in network namespaces (skipped, and said so, when `ip netns` cannot be used). Three rounds; medians are
# reported, and the curve is drawn to benchmarks/.out/scaling/scaling.svg.
# Prints a table and ends with one `scaling: key=value ...` line (see benchmarks/README.md).
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
out="$(bench_out scaling)"
export OPENBLAS_NUM_THREADS=1

build_release scaling fulmen ScalingBenchmark
bin="$root/.build/release"

# What every configuration runs (exported: each round runs in a shell of its own).
export SCALING_PROCESSES="1 2 4 8 16" SCALING_CONCURRENCY=64 SCALING_SLEEP_MS=50 SCALING_WARMUP=3 SCALING_SECONDS=8
export SCALING_HOSTS=4 SCALING_NETNS=""

# The hosts: a bridge in this namespace (where the store listens) and a namespace per host joined to it
# by a veth pair, on a /24 of 10.247 chosen by this script's process id. Names carry the process id too,
# so that concurrent runs do not meet; everything is removed on exit.
prefix="fsc$$"
subnet="10.247.$(($$ % 250 + 1))"
remove_hosts() {
    for h in $(seq "$SCALING_HOSTS"); do
        ip link del "${prefix}a$h" 2>/dev/null || true
        ip netns del "${prefix}h$h" 2>/dev/null || true
    done
    ip link del "${prefix}br" 2>/dev/null || true
}
make_hosts() {
    ip link add "${prefix}br" type bridge &&
        ip addr add "$subnet.1/24" dev "${prefix}br" &&
        ip link set "${prefix}br" up || return 1
    for h in $(seq "$SCALING_HOSTS"); do
        ip netns add "${prefix}h$h" &&
            ip link add "${prefix}a$h" type veth peer name "${prefix}b$h" &&
            ip link set "${prefix}a$h" master "${prefix}br" up &&
            ip link set "${prefix}b$h" netns "${prefix}h$h" &&
            ip -n "${prefix}h$h" addr add "$subnet.$((10 + h))/24" dev "${prefix}b$h" &&
            ip -n "${prefix}h$h" link set "${prefix}b$h" up &&
            ip -n "${prefix}h$h" link set lo up || return 1
    done
}
if [[ $(id -u) -eq 0 ]] && command -v ip > /dev/null && make_hosts 2> "$out/netns.log"; then
    trap remove_hosts EXIT
    SCALING_NETNS="$prefix $subnet"
else
    remove_hosts
    echo "scaling benchmark: network namespaces unavailable (needs root and iproute2: $(tail -1 "$out/netns.log" 2>/dev/null)); skipping the hosts configuration" >&2
fi

# configuration TAG PROCESSES [hosts]: a store on a fresh data directory, PROCESSES runner processes (on
# loopback, or spread over the namespaces' hosts), the driver's measurement; prints its figures with
# `_TAG` appended to each key.
configuration() {
    local tag="$1" n="$2" placement="${3:-loopback}" data listen endpoint store i h pids=() figures kv
    data="$(mktemp -d)"
    listen=127.0.0.1
    [[ $placement == hosts ]] && listen="${SCALING_NETNS#* }.1"
    start_and_wait "$out/store.log" "store ready at" "$bin/fulmen" store --data "$data" --bind "tcp://$listen:0" --log-level error
    store=$STARTED_PID
    endpoint="$(sed -n 's/^store ready at \([^ ]*\) .*/\1/p' "$out/store.log")"
    for i in $(seq "$n"); do
        if [[ $placement == hosts ]]; then
            h=$(((i - 1) % SCALING_HOSTS + 1))
            ip netns exec "${SCALING_NETNS% *}h$h" "$bin/ScalingBenchmark" runner "$endpoint" \
                --bind "tcp://${SCALING_NETNS#* }.$((10 + h)):0" --host "host$h" --concurrency "$SCALING_CONCURRENCY" \
                > "$out/runner-$i.log" 2>&1 &
        else
            "$bin/ScalingBenchmark" runner "$endpoint" --concurrency "$SCALING_CONCURRENCY" > "$out/runner-$i.log" 2>&1 &
        fi
        pids+=($!)
    done
    for i in $(seq "$n"); do
        for _ in $(seq 600); do grep -q '^READY' "$out/runner-$i.log" && break; sleep 0.1; done
        grep -q '^READY' "$out/runner-$i.log" || { echo "scaling benchmark: runner $i did not start:" >&2; cat "$out/runner-$i.log" >&2; exit 1; }
    done
    figures="$("$bin/ScalingBenchmark" drive "$endpoint" --store-pid "$store" --runner-pids "$(IFS=,; echo "${pids[*]}")" \
        --slots $((n * SCALING_CONCURRENCY)) --sleep-ms "$SCALING_SLEEP_MS" --warmup "$SCALING_WARMUP" --seconds "$SCALING_SECONDS")"
    kill -TERM "${pids[@]}"
    wait "${pids[@]}" || true
    for i in $(seq "$n"); do
        grep -q '^STOPPED .*failed=0 ' "$out/runner-$i.log" || { echo "scaling benchmark: runner $i of $tag failed episodes or did not stop:" >&2; cat "$out/runner-$i.log" >&2; exit 1; }
    done
    kill -TERM "$store"
    wait "$store" || true
    rm -rf "$data"
    echo "scaling benchmark: $tag: $figures" >&2
    for kv in $figures; do echo -n " ${kv%%=*}_$tag=${kv#*=}"; done
}

round() {
    local n line=""
    for n in $SCALING_PROCESSES; do line+="$(configuration "$n" "$n")"; done
    [[ -n $SCALING_NETNS ]] && line+="$(configuration "hosts" 16 hosts)"
    echo "$line"
}

run_rounds scaling 3 configuration start_and_wait
python3 "$here/report.py" "$out" "$SCALING_PROCESSES" "$SCALING_CONCURRENCY" "$SCALING_SLEEP_MS" "$SCALING_HOSTS"
