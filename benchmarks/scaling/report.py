"""Reads the scaling benchmark's rounds (one line of `key_TAG=value` figures per round), prints the medians
against linear scaling and the targets, draws the curve to scaling.svg, and ends with the `scaling: ...` line.

    report.py OUT "1 2 4 8 16" CONCURRENCY SLEEP_MS HOSTS
"""
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
processes = [int(n) for n in sys.argv[2].split()]
concurrency, sleep_ms, hosts = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = [dict(kv.split("=") for kv in line.split()) for line in (out / "rounds.txt").read_text().splitlines() if "=" in line]
m = {k: statistics.median(float(r[k]) for r in rows) for k in rows[0]}
tags = [str(n) for n in processes] + (["hosts"] if "rollouts_s_hosts" in m else [])
count = {str(n): n for n in processes} | {"hosts": processes[-1]}
base = m["rollouts_s_1"]
# An episode that cost nothing but its tool's wait: every slot busy all the time.
ideal = lambda n: n * concurrency * 1000 / sleep_ms
efficiency = lambda tag: m[f"rollouts_s_{tag}"] / (count[tag] * base)

print(f"{'runner processes':24}{'rollouts/s':>11}{'vs linear':>10}{'of ideal':>9}{'store CPU':>10}"
      f"{'store us/r':>11}{'runners us/r':>13}{'driver us/r':>12}{'machine':>9}")
for tag in tags:
    label = f"{count[tag]}" if tag != "hosts" else f"{count[tag]} ({hosts} netns hosts)"
    print(f"{label:24}{m[f'rollouts_s_{tag}']:>11.0f}{efficiency(tag):>10.0%}{m[f'rollouts_s_{tag}'] / ideal(count[tag]):>9.0%}"
          f"{m[f'store_cpu_share_{tag}']:>9.2f}c{m[f'store_cpu_us_{tag}']:>11.0f}{m[f'runner_cpu_us_{tag}']:>13.0f}"
          f"{m[f'driver_cpu_us_{tag}']:>12.0f}{m[f'machine_busy_{tag}']:>9.0%}")
failed = sum(m[k] for k in m if k.startswith("failed_"))
print(f"each process: {concurrency} episodes at once, a {sleep_ms} ms tool each (ideal {ideal(1):.0f} rollouts/s per process); "
      f"store CPU in cores (of 2), CPU microseconds per rollout; machine = busy share of both cores"
      + (f"; {failed:.0f} rollouts failed" if failed else ""))
top = str(processes[-1])
print(f"target: at least 80% of linear up to {top} processes (measured {efficiency(top):.0%}) and at least 10,000 rollouts/s "
      f"at {top} (measured {m[f'rollouts_s_{top}']:.0f})")


def svg():
    """Rollouts/s by runner processes against linear scaling from one process, 80% of it, and the 10,000/s target."""
    width, height, left, right, top_pad, bottom = 760, 440, 64, 40, 70, 50
    top_value = max(12_000, max(count[t] * base for t in tags) * 1.05)
    x = lambda n: left + (width - left - right) * (n - 1) / (processes[-1] - 1)
    y = lambda v: height - bottom - (height - top_pad - bottom) * v / top_value
    def line(points, color, dash="", stroke=2):
        coords = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in points)
        return f'<polyline fill="none" stroke="{color}" stroke-width="{stroke}" stroke-dasharray="{dash}" points="{coords}"/>'
    step = 2000 if top_value <= 24_000 else 5000
    grid = "".join(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
                   f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{v:,}</text>'
                   for v in range(0, int(top_value) + 1, step))
    ticks = "".join(f'<text x="{x(n):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle">{n}</text>' for n in processes)
    measured = [(n, m[f"rollouts_s_{n}"]) for n in processes]
    dots = "".join(f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3.5" fill="#1f5fbf"/>' for n, v in measured)
    # The figures as a small table in the empty upper left (over the first processes, under linear).
    figures = "".join(
        f'<text x="{left + 12}" y="{y(top_value) + 16 + 14 * i:.1f}" font-size="11">'
        f'{count[t]} process{"es" if count[t] > 1 else ""}{" on " + str(hosts) + " hosts" if t == "hosts" else ""}: {m[f"rollouts_s_{t}"]:,.0f}/s, '
        f'{efficiency(t):.0%} of linear, store {m[f"store_cpu_share_{t}"]:.2f} cores, {m[f"store_cpu_us_{t}"]:.0f} us/rollout</text>'
        for i, t in enumerate(tags))
    hosts_dot = ""
    if "hosts" in tags:
        v = m["rollouts_s_hosts"]
        hosts_dot = (f'<rect x="{x(count["hosts"]) - 4:.1f}" y="{y(v) - 4:.1f}" width="8" height="8" fill="#d07000"/>'
                     f'<text x="{x(count["hosts"]) - 8:.1f}" y="{y(v) - 8:.1f}" font-size="10" text-anchor="end">'
                     f'{hosts} network-namespace hosts: {v:,.0f}/s</text>')
    target = (f'<line x1="{left}" x2="{width - right}" y1="{y(10_000):.1f}" y2="{y(10_000):.1f}" stroke="#c03030" stroke-dasharray="6 3"/>'
              f'<text x="{left + 4}" y="{y(10_000) - 4:.1f}" font-size="10" fill="#c03030">target 10,000/s</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text x="{left}" y="22" font-size="14">Rollouts/s by runner processes ({concurrency} episodes each, {sleep_ms} ms tool), one store, 2 cores</text>'
            f'<text x="{left}" y="40" font-size="11" fill="#555">blue: measured (median of rounds); grey: linear from 1 process;</text>'
            f'<text x="{left}" y="54" font-size="11" fill="#555">dashed grey: 80% of linear; red: the target'
            f'{"; orange: 16 processes as " + str(hosts) + " hosts in network namespaces" if hosts_dot else ""}</text>'
            f'{grid}{ticks}<text x="{(left + width - right) / 2:.0f}" y="{height - 14}" font-size="11" text-anchor="middle">runner processes</text>'
            f'{target}{line([(n, n * base) for n in processes], "#999")}{line([(n, 0.8 * n * base) for n in processes], "#bbb", "4 3", 1)}'
            f'{line(measured, "#1f5fbf")}{dots}{hosts_dot}{figures}</svg>')


(out / "scaling.svg").write_text(svg())
print(f"curve: {out / 'scaling.svg'}")
pairs = [f"rollouts_s_{n}={m[f'rollouts_s_{n}']:.0f}" for n in processes[:1] + processes[-1:]]
pairs += [f"efficiency_{top}={efficiency(top):.2f}", f"store_cpu_us_per_rollout={m[f'store_cpu_us_{top}']:.0f}"]
pairs += [f"rollouts_s_{n}={m[f'rollouts_s_{n}']:.0f}" for n in processes[1:-1]]
pairs += [f"store_cpu_share_{top}={m[f'store_cpu_share_{top}']:.2f}"]
if "hosts" in tags:
    pairs += [f"netns_rollouts_s_{top}={m['rollouts_s_hosts']:.0f}", f"netns_efficiency_{top}={efficiency('hosts'):.2f}"]
else:
    pairs += ["netns=skipped"]
print("scaling: " + " ".join(pairs))
