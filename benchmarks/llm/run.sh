#!/usr/bin/env bash
# The LLM benchmark: SmolLM2-135M-Instruct (the bundled Q4_1 GGUF) on FulmenLlama (LLMBenchmark, built in release)
# side by side, in the same run, with llama.cpp (llamacpp_reference.py, through llama-cpp-python) for prefill and
# decoding and with PyTorch + transformers + peft (torch_lora_reference.py) for LoRA training, at 1 and 2 threads;
# plus the cblas_sgemm rate on the training step's shapes, logits against llama.cpp on the F32-dequantised file, and
# the tokenizer against llama.cpp's. Prints a table (report.py) and ends with one `llm: key=value ...` line (see
# benchmarks/README.md, `## llm`).
#
# Environment: FULMEN_CPU_LOCK=/path    take this flock(1) lock around each build and measurement step
#              FULMEN_LLM_MODEL=/path   the GGUF (default: SmolLM2-135M-Instruct.Q4_1.gguf in $FULMEN_MODELS_DIR,
#                                       else ~/.cache/fulmen/models, where scripts/bootstrap puts it)
#              FULMEN_LLM_VENV=/path    llama-cpp-python's environment (default ~/.cache/fulmen-llm-venv; made if
#                                       missing, which compiles llama.cpp: about 15 minutes on 2 cores)
#              FULMEN_BENCH_VENV=/path  PyTorch's environment (default ~/.cache/fulmen-bench-venv, shared with
#                                       benchmarks/model; transformers, peft and gguf are added if missing)
#              FULMEN_LLM_THREADS="1 2"  thread counts;  FULMEN_LLM_REPEATS=2  alternations of the two sides per
#                                       thread count (each side's best throughput and largest peak RSS reported)
#              FULMEN_LLM_QUICK=1       a short smoke run (prompt 128, 8 new tokens, batches 1 and 4, LoRA 1 x 64,
#                                       2 steps): checks the harness, measures nothing worth quoting
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
name=SmolLM2-135M-Instruct.Q4_1.gguf
models="${FULMEN_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fulmen/models}"
model="${FULMEN_LLM_MODEL:-$models/$name}"
llm_venv="${FULMEN_LLM_VENV:-$HOME/.cache/fulmen-llm-venv}"
torch_venv="${FULMEN_BENCH_VENV:-$HOME/.cache/fulmen-bench-venv}"
threads_list="${FULMEN_LLM_THREADS:-1 2}"
repeats="${FULMEN_LLM_REPEATS:-2}"
out="$(bench_out llm)"

if [[ "${FULMEN_LLM_QUICK:-0}" == 1 ]]; then
    infer_args=(--prompt 128 --decode-prompt 32 --new 8 --batches 1,4 --repeats 1)
    lora_args=(--batch 1 --length 64 --rank 16 --warmup 1 --steps 2)
    b32=4
else
    infer_args=(--prompt 512 --decode-prompt 32 --new 64 --batches 1,16,32 --repeats 3)
    lora_args=(--batch 4 --length 128 --rank 16 --warmup 2 --steps 8)
    b32=32
fi
# The sgemm shapes are the LoRA step's: same batch, length and rank.
sgemm_args=("${lora_args[@]:0:6}")

say() { echo "llm benchmark: $*" >&2; }

if [[ ! -f "$model" ]]; then
    say "model not found at $model (run scripts/bootstrap, or set FULMEN_LLM_MODEL / FULMEN_MODELS_DIR)"
    exit 1
fi
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (peak memory measurement)"
    apt-get install -y -q time >/dev/null
fi
pip_quiet() { grep --line-buffered -E "^(Collecting|Installing|Successfully)" >&2 || true; }
if ! "$llm_venv/bin/python" -c "import llama_cpp, gguf, numpy" 2>/dev/null; then
    say "installing llama-cpp-python into $llm_venv (compiles llama.cpp: about 15 minutes on 2 cores)..."
    python3 -m venv "$llm_venv"
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$llm_venv/bin/pip" install --disable-pip-version-check --progress-bar off \
        llama-cpp-python==0.3.36 gguf numpy 2>&1 | pip_quiet
fi
if ! "$torch_venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    say "installing PyTorch into $torch_venv (about 5.4 GB, several minutes)..."
    python3 -m venv "$torch_venv"
    "$torch_venv/bin/pip" install --disable-pip-version-check --progress-bar off torch numpy 2>&1 | pip_quiet
fi
if ! "$torch_venv/bin/python" -c "import transformers, peft, gguf" 2>/dev/null; then
    say "installing transformers, peft and gguf into $torch_venv..."
    "$torch_venv/bin/pip" install --disable-pip-version-check --progress-bar off transformers peft gguf 2>&1 | pip_quiet
fi
"$llm_venv/bin/python" -c "import llama_cpp; print('llm benchmark: llama-cpp-python', llama_cpp.__version__)" >&2
"$torch_venv/bin/python" -c "import torch, transformers, peft; print('llm benchmark: torch', torch.__version__, \
'transformers', transformers.__version__, 'peft', peft.__version__)" >&2

say "building LLMBenchmark (release)"
(cd "$root" && locked swift build -c release --scratch-path .build-llm --product LLMBenchmark >&2)
bench="$root/.build-llm/release/LLMBenchmark"
llamacpp=("$llm_venv/bin/python" "$here/llamacpp_reference.py")

# Runs a command under GNU time; its stdout goes to $1, its peak RSS (KiB) to $1.rss.
measure() {
    local log="$1"
    shift
    locked /usr/bin/time -f "%M" -o "$log.rss" "$@" >"$log"
}

# Correctness beside the speed: logits on the F32 file (made once, from this model) and the tokenizer.
f32="$out/${name%.Q4_1.gguf}.f32.gguf"
if [[ ! -f "$f32" || "$f32" -ot "$model" ]]; then
    say "dequantising $model to F32 (scripts/golden/llm-logits.py)"
    locked "$llm_venv/bin/python" "$root/scripts/golden/llm-logits.py" dequantize "$model" "$f32.tmp"
    mv "$f32.tmp" "$f32"
fi
say "logits and tokenizer against llama.cpp"
locked "${llamacpp[@]}" logits --model "$f32" --out "$out" --threads 2 >&2
locked env OPENBLAS_NUM_THREADS=2 "$bench" logits --model "$f32" --reference "$out" --threads 2 >"$out/logits.log"
locked "${llamacpp[@]}" tokenize --model "$model" --out "$out/tokens-llamacpp.json" >&2
"$bench" tokenizer --model "$model" --reference "$out/tokens-llamacpp.json" >"$out/tokenizer.log"
tail -n 1 "$out/logits.log" >&2
tail -n 1 "$out/tokenizer.log" >&2

for threads in $threads_list; do
    say "$threads thread(s): sgemm on the LoRA step's shapes"
    locked env OPENBLAS_NUM_THREADS="$threads" "$bench" sgemm --model "$model" --threads "$threads" "${sgemm_args[@]}" \
        >"$out/sgemm-$threads.log"
    for repeat in $(seq "$repeats"); do
        say "$threads thread(s), round $repeat/$repeats: llama.cpp, Fulmen inference; PyTorch, Fulmen LoRA"
        measure "$out/llamacpp-infer-$threads-$repeat.log" env OMP_NUM_THREADS="$threads" \
            "${llamacpp[@]}" infer --model "$model" --threads "$threads" "${infer_args[@]}"
        measure "$out/fulmen-infer-$threads-$repeat.log" env OPENBLAS_NUM_THREADS="$threads" \
            "$bench" infer --model "$model" --threads "$threads" "${infer_args[@]}"
        measure "$out/torch-lora-$threads-$repeat.log" env OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" \
            "$torch_venv/bin/python" "$here/torch_lora_reference.py" --model "$model" --threads "$threads" \
            "${lora_args[@]}"
        measure "$out/fulmen-lora-$threads-$repeat.log" env OPENBLAS_NUM_THREADS="$threads" \
            "$bench" lora --model "$model" --threads "$threads" "${lora_args[@]}"
        for side in llamacpp-infer fulmen-infer torch-lora fulmen-lora; do
            tail -n 1 "$out/$side-$threads-$repeat.log" >&2
        done
    done
done

python3 "$here/report.py" "$out" "$repeats" "$b32" $threads_list
