#!/usr/bin/env python3
"""The PyTorch side of `benchmarks/run llm`'s LoRA training figure: the protocol of `LLMBenchmark lora`
(benchmarks/llm/LoRATrainingMeasurement.swift) with Hugging Face `transformers` and `peft`.

Needs: torch, transformers, peft, gguf, numpy (run.sh installs what is missing into FULMEN_BENCH_VENV).

    torch_lora_reference.py --model GGUF --threads N [--batch 4] [--length 128] [--rank 16] [--warmup 2] [--steps 8]

Loads the GGUF with `AutoModelForCausalLM.from_pretrained(dir, gguf_file=name)` (transformers dequantises every
tensor to float32), wraps it in a peft LoRA of rank r, alpha 2r, no dropout, on q, k, v, o, gate, up and down
projections, and times steps of: zero_grad, forward on `batch` sequences of `length` synthetic tokens (the ids of
Measuring.tokens), cross-entropy against the next token (the `length + 1`-th included, as Fulmen's
TrainingBatch.languageModeling does), backward, AdamW step (lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.01).
Prints the median step's tokens/s; the last line is key=value pairs.
"""
import argparse, os, resource, time

os.environ.setdefault("TQDM_DISABLE", "1")  # transformers' GGUF conversion bar

import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM
from transformers.utils import logging as transformers_logging

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def tokens(sequence, count):
    """The benchmark's synthetic ids, as Measuring.tokens computes them on the Swift side."""
    return [100 + (7919 * (sequence * 4099 + j) + 104729 * sequence) % 48000 for j in range(count)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    transformers_logging.disable_progress_bar()
    torch.manual_seed(7)

    path = os.path.abspath(args.model)
    base = AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                                dtype=torch.float32)
    parameters = sum(p.numel() for p in base.parameters())
    lora = LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.0, target_modules=TARGETS,
                      bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(base, lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    print(f"torch {torch.__version__} lora: threads={args.threads} rank={args.rank} "
          f"adapters={sum(p.numel() for p in trainable)} parameters={parameters}")

    times, losses = [], []
    for step in range(args.warmup + args.steps):
        sequences = torch.tensor([tokens(step * args.batch + b, args.length + 1) for b in range(args.batch)])
        inputs, targets = sequences[:, :-1], sequences[:, 1:]
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        logits = model(input_ids=inputs).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - start
        losses.append(loss.item())
        if step >= args.warmup:
            times.append(elapsed)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    rate = args.batch * args.length / median
    print(f"lora: batch={args.batch} length={args.length} steps={args.steps} step median {median * 1e3:.1f} ms, "
          f"loss first {losses[0]:.3f} last {losses[-1]:.3f} -> {rate:.1f} tok/s")
    print(f"threads={args.threads} train_tok_s={rate:.1f} "
          f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
