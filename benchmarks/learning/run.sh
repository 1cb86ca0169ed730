#!/usr/bin/env bash
# The learning benchmark: for each bundled task, an SFT warm start on the task's imperfect demonstrator
# (to convergence), then GRPO, with `fulmen up` on this machine; and calc again with synchronous GRPO, to
# compare wall times. Reports validation success at the end of SFT and at the end, GRPO's wall time and
# rollouts, writes each task's curve as an SVG next to the results, and ends with one `learning: …` line.
#
# Environment: FULMEN_CPU_LOCK=/path  take this flock(1) lock around each build and measurement step
#              LEARNING_QUICK=1       a few steps per phase (checks the pipeline, measures nothing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
out="$(bench_out learning)"

build_release learning fulmen
bin="$root/.build/release"

# spec NAME: the experiment for NAME (calc, sql, maze or calc-sync), shortened when LEARNING_QUICK is set.
spec() {
    local file="$here/${1%-sync}.yaml"
    if [[ "$1" == *-sync ]]; then sed 's/asynchronous: true/asynchronous: false/' "$file"; else cat "$file"; fi |
        if [[ -n "${LEARNING_QUICK:-}" ]]; then
            sed -E 's/steps: [0-9]+/steps: 4/; s/every: [0-9]+/every: 2/; s/problems: [0-9]+/problems: 10/; s/train: [0-9]+/train: 50/; s/validation: [0-9]+/validation: 10/'
        else cat; fi
}

for name in maze calc calc-sync sql; do
    echo "learning benchmark: $name" >&2
    spec "$name" > "$out/$name.yaml"
    locked "$bin/fulmen" up --experiment "$out/$name.yaml" --metrics "$out/$name.jsonl" --log-level error > "$out/$name.log"
    tail -1 "$out/$name.log" >&2
done

python3 "$here/report.py" "$out"
