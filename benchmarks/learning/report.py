"""Reads the learning benchmark's metrics (one JSON object per step, then the experiment's final status),
prints the figures against the targets, writes each task's curve as an SVG, and ends with the
`learning: ...` line."""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
# Validation success of each task's imperfect demonstrator (FulmenTasksTests measure them).
demonstrator = {"calc": 0.763, "sql": 0.717, "maze": 0.63}


def load(name):
    points, final = [], {}
    for line in (out / f"{name}.jsonl").read_text().splitlines():
        record = json.loads(line)
        if "step" in record:
            points.append(record)
        else:
            final = record
    return points, final


def summarise(points):
    """Validation success at the end of SFT and at the end, GRPO's minutes and rollouts, and the curves over
    GRPO's wall time (minutes since SFT ended)."""
    sft = [p for p in points if "sft.loss" in p["values"]]
    grpo = [p for p in points if "grpo.rollouts" in p["values"]]
    evals = [(p["step"], p["values"]["eval.success"], p["time"]) for p in points if "eval.success" in p["values"]]
    last_sft = sft[-1]["step"] if sft else 0
    start = max((e for e in evals if e[0] <= last_sft), key=lambda e: e[0], default=(0, 0.0, 0))
    grpo_start_time = sft[-1]["time"] if sft else (grpo[0]["time"] if grpo else 0)
    minutes = (grpo[-1]["time"] - grpo_start_time) / 60 if grpo else 0.0
    rollouts = sum(p["values"]["grpo.rollouts"] for p in grpo)
    since = lambda time: max(0.0, (time - grpo_start_time) / 60)
    return {"start": start[1], "end": evals[-1][1] if evals else 0.0, "minutes": minutes, "rollouts": rollouts,
            "validation_curve": [(0.0, start[1])] + [(since(t), v) for s, v, t in evals if s > last_sft],
            "training_curve": [(since(p["time"]), p["values"].get("grpo.success", 0.0)) for p in grpo]}


def first_minute(summary, condition):
    """GRPO minutes until a validation after the warm start first met `condition`; None if none did."""
    return next((m for m, v in summary["validation_curve"][1:] if condition(v)), None)


def holds(name, start, value):
    """Whether validation success `value` meets the task's targets from a warm start at `start`."""
    return value - start >= 0.25 and value > demonstrator[name] and (name != "calc" or value >= 0.9)


def svg(name, summary, compared=None):
    """Validation and training success over GRPO's minutes (0 is the warm start), with the demonstrator's
    validation success and the target line; `compared` (synchronous calc) drawn dashed beside it."""
    width, height, pad, right_pad = 720, 360, 44, 96
    curves = [summary] + ([compared] if compared else [])
    right = max([m for c in curves for m, _ in c["validation_curve"] + c["training_curve"]] + [1.0])
    x = lambda minute: pad + (width - pad - right_pad) * minute / right
    y = lambda value: height - pad - (height - 2 * pad) * value
    def line(pairs, color, width_px, dash=""):
        points = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in pairs)
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline fill="none" stroke="{color}" stroke-width="{width_px}"{dashing} points="{points}"/>'
    def level(value, color, label):
        return (f'<line x1="{pad}" x2="{width - right_pad}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{color}" stroke-dasharray="2 3"/>'
                f'<text x="{width - right_pad + 4}" y="{y(value) + 4:.1f}" font-size="10" fill="{color}">{label}</text>')
    grid = "".join(
        f'<line x1="{pad}" x2="{width - right_pad}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
        f'<text x="6" y="{y(v) + 4:.1f}" font-size="11">{int(v * 100)}%</text>' for v in (0, 0.25, 0.5, 0.75, 1))
    tick = 5 if right > 12 else 1
    ticks = "".join(
        f'<text x="{x(m):.1f}" y="{height - pad + 16}" font-size="11" text-anchor="middle">{m}</text>'
        for m in range(0, int(right) + 1, tick))
    target = min(1.0, summary["start"] + 0.25)
    task = name.removesuffix("-sync")
    body = (grid + ticks + level(demonstrator[task], "#c60", "demonstrator") + level(target, "#393", "+25 points")
            + (level(0.9, "#393", "90%") if task == "calc" else "")
            + line(summary["training_curve"], "#bbb", 1) + line(summary["validation_curve"], "#1f5fbf", 2))
    legend = "validation (blue), training (grey)"
    if compared:
        body += line(compared["validation_curve"], "#1f5fbf", 1.5, "6 4")
        legend += ", synchronous GRPO's validation (dashed)"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">'
            f'<text x="{pad}" y="18" font-size="13">{name}: {legend}</text>'
            f'<text x="{pad}" y="34" font-size="11">success from the SFT warm start (minute 0) over GRPO wall time</text>{body}'
            f'<text x="{width / 2:.0f}" y="{height - 6}" font-size="11" text-anchor="middle">GRPO minutes</text></svg>')


results = {}
for name in ("calc", "calc-sync", "sql", "maze"):
    points, final = load(name)
    results[name] = summarise(points)
    results[name]["status"] = final.get("status", "?")
for name in ("calc", "sql", "maze"):
    (out / f"{name}.svg").write_text(svg(name, results[name], results["calc-sync"] if name == "calc" else None))

print(f"{'task':10}{'demonstrator':>14}{'after SFT':>11}{'after GRPO':>12}{'gain':>8}{'GRPO min':>10}{'met at':>8}{'rollouts':>10}  targets")
for name in ("calc", "sql", "maze"):
    r = results[name]
    gain = r["end"] - r["start"]
    # Met: the end of the run meets every target, and they were first all met within 30 GRPO minutes.
    at = first_minute(r, lambda value: holds(name, r["start"], value))
    met = holds(name, r["start"], r["end"]) and at is not None and at <= 30
    print(f"{name:10}{demonstrator[name]:>14.1%}{r['start']:>11.1%}{r['end']:>12.1%}{gain * 100:>7.1f}p{r['minutes']:>10.1f}"
          f"{(f'{at:.1f}' if at is not None else 'never'):>8}{r['rollouts']:>10.0f}"
          f"  {'all met' if met else 'not met'} (+25 points, beats the demonstrator{', >= 90%' if name == 'calc' else ''}, within 30 min)")
sync, asynchronous = results["calc-sync"], results["calc"]
reach = first_minute(asynchronous, lambda value: value >= sync["end"])
speedup = sync["minutes"] / reach if reach else 0.0
print(f"calc, synchronous GRPO: {sync['start']:.1%} -> {sync['end']:.1%} in {sync['minutes']:.1f} min; "
      f"asynchronous reached {sync['end']:.1%} " + (f"in {reach:.1f} min" if reach else "never"))
print(f"curves: {out}/calc.svg (synchronous dashed), sql.svg, maze.svg")
print("learning: " + " ".join(
    f"{name}_start={results[name]['start']:.3f} {name}_end={results[name]['end']:.3f}" + (f" {name}_minutes={results[name]['minutes']:.1f}" if name == "calc" else "")
    for name in ("calc", "sql", "maze")) + f" async_speedup={speedup:.2f}")
