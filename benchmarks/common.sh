# Sourced by every benchmarks/NAME/run.sh: the repository root, the benchmark's output folder,
# and the CPU lock.
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# bench_out NAME: creates and prints benchmarks/.out/NAME, where a benchmark keeps its logs.
bench_out() {
    mkdir -p "$root/benchmarks/.out/$1"
    echo "$root/benchmarks/.out/$1"
}

# locked CMD...: runs CMD under the CPU lock when FULMEN_CPU_LOCK is set.
locked() { if [[ -n "${FULMEN_CPU_LOCK:-}" ]]; then flock "$FULMEN_CPU_LOCK" "$@"; else "$@"; fi; }

# build_release NAME PRODUCT...: builds the products in release mode (under the CPU lock), saying so as NAME.
build_release() {
    local name="$1"
    shift
    echo "$name benchmark: building $* (release)" >&2
    for product in "$@"; do (cd "$root" && locked swift build -c release --product "$product" >&2); done
}

# free_port: a free TCP port on the loopback interface.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_and_wait LOG PATTERN CMD...: starts CMD in the background with its output in LOG and waits
# (up to 60 s) for a line starting with PATTERN; sets STARTED_PID.
start_and_wait() {
    local log="$1" pattern="$2"
    shift 2
    "$@" > "$log" 2>&1 &
    STARTED_PID=$!
    for _ in $(seq 600); do
        grep -q "^$pattern" "$log" && return 0
        kill -0 "$STARTED_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "benchmark: '$*' did not start:" >&2
    cat "$log" >&2
    exit 1
}

# run_rounds NAME COUNT HELPER...: runs the benchmark's function `round` COUNT times, each under the CPU
# lock in a shell of its own that has `bin`, `out` and the named helper functions, and collects the line
# each round prints in $out/rounds.txt.
run_rounds() {
    local name="$1" count="$2"
    shift 2
    rm -f "$out/rounds.txt.new"
    for r in $(seq "$count"); do
        echo "$name benchmark: round $r/$count" >&2
        locked bash -c "set -euo pipefail; bin='$bin'; out='$out'; $(declare -f "$@" round); round" >> "$out/rounds.txt.new"
    done
    mv "$out/rounds.txt.new" "$out/rounds.txt"
}
