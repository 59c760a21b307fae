"""Print the figures of the JSON records in ``benchmarks/out/`` as a Markdown table.

Usage::

    python benchmarks/report.py [--out DIR]

Each row names the target, the measured value, whether it is met, and the load average
when the benchmark started (the machine is shared; a high load inflates every time).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import _common as common


def _load(directory: Path, name: str) -> dict[str, Any] | None:
    path = directory / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _load_text(record: dict[str, Any]) -> str:
    la = record.get("load_average_before") or record["machine"].get("load_average", [])
    return " / ".join(f"{x:.1f}" for x in la)


def rows(directory: Path) -> list[tuple[str, str, str, str, str]]:
    """(what, target, measured, met, load) for every record found."""
    out: list[tuple[str, str, str, str, str]] = []

    def add(name: str, fill: Callable[[dict[str, Any]], list[tuple[str, str, str, bool]]]) -> None:
        rec = _load(directory, name)
        if rec is None:
            return
        for what, target, value, met in fill(rec):
            out.append((what, target, value, "yes" if met else "**no**", _load_text(rec)))

    add("simulator", lambda r: [
        (f"simulator: wall per {r['days']:g}-day run (median of {r['repeats']})", "<= 1 s",
         f"{r['wall_s']['median']:.2f} s (CPU {r['cpu_s']['median']:.2f} s)",
         r["wall_s"]["median"] <= 1.0),
        ("simulator: peak memory of one run", "-",
         f"{r['peak_traced_mib']:.1f} MiB traced, {r['peak_rss_mib']:.0f} MiB process RSS", True),
    ])
    add("efficiency", lambda r: [
        (f"efficiency, execution ({r['runs']} x {r['days']:g} d, {r['workers']} workers)", ">= 0.95",
         f"{r['efficiency_execution']:.3f}", r["efficiency_execution"] >= 0.95),
        ("efficiency, end to end", ">= 0.85", f"{r['efficiency_end_to_end']:.3f}",
         r["efficiency_end_to_end"] >= 0.85),
    ])
    add("overhead", lambda r: [
        (f"orchestration cost per run ({r['runs']} runs of {r['days'] * 24:g} h, {k} run(s)/task)",
         "<= 5 ms", f"{v:.2f} ms (client CPU {r['client_cpu_per_run_ms'][k]:.2f} ms, "
         f"{r['runs_per_second'][k]:.0f} runs/s)", v <= 5.0)
        for k, v in r["cost_per_run_ms"].items()
    ])
    add("scale", lambda r: [
        (f"scale: {r['runs']} runs, client peak RSS", "< 1 GiB",
         f"{r['client_peak_rss_mib']:.0f} MiB", r["client_peak_rss_mib"] < 1024),
        ("scale: interrupted, resumed, checked", "resumes",
         f"resumed only missing: {r['resumed_only_missing']}; all ok: {r['check']['all_ok']}; "
         f"{r['check']['sample_bit_identical']}/{r['check']['sampled']} sampled runs bit-identical",
         bool(r["resumed_only_missing"] and r["check"]["all_ok"]
              and r["check"]["sample_bit_identical"] == r["check"]["sampled"])),
        ("scale: throughput", "-",
         f"{r['runs_per_second_resumed_leg']} runs/s (execution, resumed leg); "
         f"{r['runs_per_second_overall']:.1f} runs/s over both legs end to end", True),
    ])
    for record_name, label in (("baseline", "cube, summary, plots"), ("baseline_raw", "and raw CSVs")):
        add(record_name, lambda r, label=label: [
            (f"`skibidy sweep` vs ProcessPoolExecutor, end to end: {name} ({w['runs']} runs; {label})",
             f"ratio <= {r['target_ratio']:.2f}",
             f"{w['ratio_sweep_to_pool']['median']:.3f} (median of {w['ratio_sweep_to_pool']['n']} pairs; "
             f"sweep {w['sweep_s']['median']:.1f} s, pool {w['pool_s']['median']:.1f} s)",
             w["ratio_sweep_to_pool"]["median"] <= r["target_ratio"])
            for name, w in r["workloads"].items()
        ])
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=common.OUT_DIR, help="directory of the records")
    args = p.parse_args(argv)
    print("| What | Target | Measured | Met | Load (1/5/15 min) |")
    print("|---|---|---|---|---|")
    for row in rows(args.out):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
