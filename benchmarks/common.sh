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

# free_port: a free TCP port on the loopback interface.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
