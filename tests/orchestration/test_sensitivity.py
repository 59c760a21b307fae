"""Sensitivity indices: the known answer of Ishigami through the whole pipeline, and the screens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orchestration
from orchestration.sensitivity import _prcc, _spearman

ROOT = Path(__file__).resolve().parents[2]
ANALYTIC = {
    ("x1", "S1"): 0.314, ("x2", "S1"): 0.442, ("x3", "S1"): 0.0,
    ("x1", "ST"): 0.558, ("x2", "ST"): 0.442, ("x3", "ST"): 0.244,
}


def _skibidy(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skibidy", *argv], capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.cluster
@pytest.mark.slow
def test_sobol_indices_of_ishigami_through_the_pipeline(cluster, tmp_path: Path) -> None:
    """configs/sensitivity/ishigami_sobol.toml -> LocalCluster -> cube -> analyze --sensitivity."""
    out = tmp_path / "ishigami"
    swept = _skibidy("sweep", str(ROOT / "configs" / "sensitivity" / "ishigami_sobol.toml"), "--out", str(out),
                     "--scheduler", cluster.scheduler_address, "--no-progress", "--no-raw")
    assert swept.returncode == 0, swept.stderr
    analyzed = _skibidy("analyze", str(out), "--sensitivity", "--no-raw")
    assert analyzed.returncode == 0, analyzed.stderr
    table = pd.read_csv(out / "sensitivity.csv")
    assert {"outcome", "measure", "param", "index", "value", "conf"} <= set(table.columns)
    got = {(r.param, r.index): r.value for r in table.itertuples() if r.outcome == "y"}
    for key, expected in ANALYTIC.items():
        assert abs(got[key] - expected) < 0.05, (key, got[key], expected)
    assert (table["conf"] > 0).all() and (table["conf"] < 0.15).all()
    # over time: a(t) grows from 0, so x2 has no effect on the first row and its textbook share on the last
    over = pd.read_csv(out / "sensitivity_time.csv").set_index(["param", "index", "time_h"])["value"]
    assert abs(over[("x2", "ST", 0.0)]) < 0.02 and abs(over[("x2", "ST", 2.0)] - 0.442) < 0.05
    for png in ("sensitivity.png", "sensitivity_time.png"):
        assert (out / png).stat().st_size > 10_000
    # the labelled object is the same as the file
    ds = orchestration.open_results(out)
    result = ds.skibidy.sensitivity(over_time=False)
    assert result.value.dims == ("outcome", "param", "index")
    assert result.value.sel(outcome="y", param="x1", index="ST").item() == pytest.approx(got[("x1", "ST")])


@pytest.mark.cluster
def test_analyze_sensitivity_of_a_grid_says_what_is_needed(cluster, tmp_path: Path) -> None:
    from .conftest import SMALL_SWEEP
    import textwrap

    cfg = tmp_path / "grid.toml"
    cfg.write_text(textwrap.dedent(SMALL_SWEEP).replace("runs_per_value = 2", "runs_per_value = 1"))
    out = tmp_path / "grid"
    assert _skibidy("sweep", str(cfg), "--out", str(out), "--scheduler", cluster.scheduler_address,
                    "--no-progress", "--no-raw").returncode == 0
    done = _skibidy("analyze", str(out), "--sensitivity", "--no-raw")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "needs a sampled design" in done.stderr and 'method = "sobol"' in done.stderr
    assert not (out / "sensitivity.csv").exists()


def test_rank_screens_find_the_parameter_that_matters() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((200, 3))
    y = np.exp(4 * x[:, 0]) - x[:, 2] + 0.01 * rng.standard_normal(200)  # x2 does nothing
    r, half = _spearman(x, y)
    p, p_half = _prcc(x, y)
    assert r[0] > 0.9 and abs(r[1]) < 0.15 and r[2] < 0
    assert p[0] > 0.99 and abs(p[1]) < 0.2 and p[2] < -0.4  # x3: small but certain
    assert (half > 0).all() and (p_half > 0).all() and abs(p[1]) < 2 * p_half[1] + 0.05
