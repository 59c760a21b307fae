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


def test_service(tmp_path: Path) -> None:
    r = run_quick("service", tmp_path)
    assert r["identical"] is True  # the job's cube is the sweep's
    assert positive(r["sweep_s"]["median"]) and positive(r["service_s"]["median"])
    assert r["ratio"] == r["service_s"]["median"] / r["sweep_s"]["median"]


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
    assert set(r["workloads"]) == {"long", "tiny"} and r["repeats"] == 1
    for w in r["workloads"].values():
        assert w["runs"] > 0 and w["raw_csv"] is False
        assert positive(w["pool_s"]["median"]) and positive(w["sweep_s"]["median"])
        assert w["ratio_sweep_to_pool"]["median"] == pytest.approx(w["sweep_s"]["median"] / w["pool_s"]["median"])
        assert w["speed_vs_pool"] == pytest.approx(1 / w["ratio_sweep_to_pool"]["median"])
        assert len(w["load_averages"]) == 1


def _number_or_none(x: Any) -> bool:
    return x is None or (isinstance(x, (int, float)) and math.isfinite(x))


def test_parameter_screen(tmp_path: Path) -> None:
    r = run_quick("parameter_screen", tmp_path)
    assert r["seeds"] == [1000] and r["days"] == 2.0 and r["partial"] is False
    params = r["parameters"]
    assert r["n_parameters"] == len(params) == 5
    assert r["runs"] >= 2 and positive(r["elapsed_s"]) and positive(r["worker_peak_rss_mib"])
    assert set(r["baselines"]) <= {"normal", "diabetic"} and r["baselines"]
    for base in r["baselines"].values():
        outcomes = base["outcomes"]
        assert {"T50", "T90", "scar_magnitude.auc", "n_macrophages.peak", "mean_infl_wound.final"} <= set(outcomes)
        assert all(o["n"] in (0, 1) for o in outcomes.values())
    verdicts = {"matters", "INERT", "numerical-ok", "numerical-CHANGES", "ERROR", "skipped", "untested"}
    assert sum(r["verdicts"].values()) == len(params) and set(r["verdicts"]) <= verdicts
    for p in params:
        assert p["verdict"] in verdicts and p["group"] in ("normal", "diabetic")
        assert p["baseline"] == (["diabetic", "diabetic_wound"] if p["path"].startswith("skin.diabetic.")
                                 else ["normal", "wound"])
        for side in p["sides"]:
            assert side["label"] in ("low", "high", "flip") and side["value"] != p["value"]
            for e in side["effects"].values():
                assert isinstance(e["moves"], bool) and _number_or_none(e["rel_pct"])
    table = Path(r["table"]).read_text()
    assert table.count("\n| `skin.") == len(params) and "## Numerical settings" in table


def test_parameter_screen_only_prefix(tmp_path: Path) -> None:
    """``--only`` filters by prefix and marks the record partial; the exit code is 0 or 1."""
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "parameter_screen.py"), "--only", "skin.wound.enabled",
         "--seeds", "2", "--days", "1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=BENCHMARKS.parent,
    )
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-4000:]
    r = json.loads((tmp_path / "parameter_screen_partial.json").read_text())
    assert r["partial"] is True and r["seeds"] == [1000, 1001]
    assert [p["path"] for p in r["parameters"]] == ["skin.wound.enabled"]
    assert (proc.returncode == 1) == bool(r["failing"])


def test_model_report(tmp_path: Path) -> None:
    r = run_quick("model_report", tmp_path)
    assert r["seeds"] == [100, 101] and r["config_seeds"] == [200, 201] and r["runs"] > 0
    assert not r["failed"] and positive(r["median_run_s"]) and positive(r["worker_peak_rss_mib"])
    for cond in ("normal", "diabetic"):
        c = r["consensus"][cond]
        assert c["condition"] == cond and c["n_rows"] >= 2
        assert c["closure_rmse"] >= 0 and c["closure_rmse_inflammatory"] >= 0
        for curve in ("closure_rmse", "inflammation_rmse_pct", "neutrophils_rmse_pct"):
            s = r["single_run"][cond][curve]
            assert s["n"] == 2 and 0 <= s["median"] <= s["worst"]
    assert set(r["t90_by_profile"]) == {"normal", "aged", "diabetic", "aged_diabetic"}
    for d in r["t90_by_profile"].values():
        assert 0 <= d["reached"] <= 2 and _number_or_none(d["mean"]) and _number_or_none(d["ratio_to_normal"])
    assert _number_or_none(r["t90_by_radius"]["ratio"]) and positive(r["t90_by_radius"]["radius"])
    assert _number_or_none(r["t90_cv"]["cv"])
    configs = {c["config"] for c in r["configs"]}
    assert configs == {p.name for p in (BENCHMARKS.parent / "configs").glob("*.toml")}
    for c in r["configs"]:
        assert isinstance(c["separated"], bool) and c["brackets_default"] in (True, False, None)
        assert c["low"]["n"] <= 2 and c["high"]["n"] <= 2 and len(c["low"]["runs"]) == 2
    assert "## (f)" in Path(r["report"]).read_text()
