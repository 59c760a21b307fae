"""Every benchmark script runs with ``--quick`` and writes a sane JSON record.

These tests keep the scripts from rotting; they check the record's keys and that its
values are plausible (positive times, ratios in range, correct counts), never a speed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run_quick(script: str, out: Path, timeout: float = 600) -> dict[str, Any]:
    """Run ``benchmarks/<script>.py --quick --out out`` and return its record."""
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{script}.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=timeout, cwd=BENCHMARKS.parent,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    path = out / f"{script}_quick.json"
    assert f"record: {path}" in proc.stdout
    record = json.loads(path.read_text())
    assert record["benchmark"] == script and record["quick"] is True
    machine = record["machine"]
    assert machine["nproc"] >= 1 and machine["versions"]["numpy"] and len(machine["load_average"]) == 3
    return record


def positive(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_simulator(tmp_path: Path) -> None:
    r = run_quick("simulator", tmp_path)
    assert r["repeats"] == r["wall_s"]["n"] == r["cpu_s"]["n"] == 2
    assert r["rows"] >= 1 and r["columns"] > 3
    assert positive(r["wall_s"]["median"]) and positive(r["cpu_s"]["median"])
    assert r["wall_s"]["min"] <= r["wall_s"]["median"] <= r["wall_s"]["max"]
    assert positive(r["peak_traced_mib"]) and r["peak_rss_mib"] >= r["peak_traced_mib"]


def test_efficiency(tmp_path: Path) -> None:
    r = run_quick("efficiency", tmp_path)
    assert r["runs"] == 4 and r["workers"] == 2
    (e2e,), (exe,) = r["end_to_end"], r["execution"]
    assert e2e["ok"] == exe["ok"] == 4
    assert 0 < r["efficiency_execution"] <= 1.5 and 0 < r["efficiency_end_to_end"] <= 1.5
    assert e2e["end_to_end_s"] >= e2e["execution_s"] > 0
    assert positive(exe["sum_run_s"]) and exe["ideal_s"] == pytest.approx(exe["sum_run_s"] / 2)


def test_overhead(tmp_path: Path) -> None:
    r = run_quick("overhead", tmp_path)
    assert set(r["cost_per_run_ms"]) == {"1", "16", "auto"}
    for runs in r["by_runs_per_task"].values():
        assert runs[0]["runs"] == runs[0]["ok"] == r["runs"] == 200
        assert positive(runs[0]["runs_per_second"]) and positive(runs[0]["client_cpu_per_run_ms"])
        assert math.isfinite(runs[0]["cost_per_run_ms"])


def test_scale_interrupt_and_resume(tmp_path: Path) -> None:
    r = run_quick("scale", tmp_path, timeout=900)
    assert r["runs"] == 2000
    assert r["interrupted_leg"]["returncode"] == 130 and r["resumed_leg"]["returncode"] == 0
    assert 0 < r["done_after_interrupt"] < r["runs"]
    assert r["resumed_only_missing"] is True
    assert r["check"]["all_ok"] is True
    assert r["check"]["sample_bit_identical"] == r["check"]["sampled"] > 0
    assert 0 < r["client_peak_rss_mib"] < 4096 and positive(r["runs_per_second_overall"])


def test_baseline(tmp_path: Path) -> None:
    r = run_quick("baseline", tmp_path)
    assert set(r["workloads"]) == {"long", "tiny"}
    for w in r["workloads"].values():
        assert w["runs"] > 0 and positive(w["pool_s"]["median"]) and positive(w["batch_system_s"]["median"])
        assert positive(w["ratio_batch_to_pool"])
