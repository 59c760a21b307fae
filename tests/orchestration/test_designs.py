"""Designs beyond grids: sampled points, their seeds, bad input, and resumed sweeps."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import orchestration
from orchestration.design import Design
from orchestration.spec import SpecError, parse_sweep
from orchestration.store import STATUS_OK, ResultStore

from ..followed import FollowedProcess
from .conftest import SHORT, assert_cubes_identical

LHS = f"""
[sweep]
name = "lhs"
runs_per_value = 1
[sweep.design]
method = "lhs"
samples = 8
seed = 3
[[sweep.params]]
param = "skin.immune.cytokine_rate"
bounds = [0.001, 0.004]
distribution = "log-uniform"
[[sweep.params]]
param = "skin.scar.collagen_threshold"
bounds = [0.1, 0.3]
[sweep.set]
"skin.duration_days" = {SHORT}
"skin.metrics_interval_h" = 1.0
[outcomes]
primary = "wound_closure_pct"
measure = "peak"
"""

MORRIS = LHS.replace('name = "lhs"', 'name = "morris"').replace(
    'method = "lhs"\nsamples = 8', 'method = "morris"\nsamples = 3\nlevels = 4'
)


def test_sampled_designs_have_the_sizes_of_their_methods() -> None:
    lhs = parse_sweep(LHS)
    assert lhs.n_points == 8 and lhs.n_runs == 8
    morris = parse_sweep(MORRIS)
    assert morris.n_points == 3 * (2 + 1)
    sobol = parse_sweep(LHS.replace('method = "lhs"\nsamples = 8', 'method = "sobol"\nsamples = 16'))
    assert sobol.n_points == 16 * (2 + 2) and Design(sobol).shape == (64, 1)


def test_sampled_values_follow_bounds_and_distribution() -> None:
    design = Design(parse_sweep(LHS.replace("samples = 8", "samples = 64")))
    rate = np.array(design.columns[0].values)
    thr = np.array(design.columns[1].values)
    assert rate.min() >= 0.001 and rate.max() <= 0.004 and thr.min() >= 0.1 and thr.max() <= 0.3
    # a Latin hypercube: one point in each of the 64 strata of each (transformed) column
    strata = np.floor((np.log(rate) - math.log(0.001)) / (math.log(0.004) - math.log(0.001)) * 64)
    assert sorted(strata.astype(int)) == list(range(64))
    assert sorted(np.floor((thr - 0.1) / 0.2 * 64).astype(int)) == list(range(64))


def test_categorical_axes_cross_the_design_and_name_the_coordinates() -> None:
    text = LHS.replace("[sweep.set]", '[[sweep.params]]\nparam = "skin"\nvalues = ["normal", "aged"]\n[sweep.set]')
    spec = parse_sweep(text)
    design = Design(spec)
    assert design.n_points == 16 and [c.name for c in design.columns] == ["skin", "cytokine_rate", "collagen_threshold"]
    assert [p["skin"] for p in design.points] == ["normal"] * 8 + ["aged"] * 8
    # the same sampled rows under each skin, so the skins are compared on the same points
    assert [p["skin.immune.cytokine_rate"] for p in design.points[:8]] == [
        p["skin.immune.cytokine_rate"] for p in design.points[8:]
    ]


def test_seeds_follow_the_point_not_its_position(tmp_path: Path) -> None:
    rows = ["0.001,0.1", "0.002,0.2", "0.003,0.3"]
    def table(order: list[str]) -> Design:
        f = tmp_path / f"points{len(list(tmp_path.iterdir()))}.csv"
        f.write_text("skin.immune.cytokine_rate,skin.scar.collagen_threshold\n" + "\n".join(order) + "\n")
        return Design(parse_sweep(
            f'[sweep]\nruns_per_value = 2\n[sweep.design]\nmethod = "table"\nfile = "{f}"\n'
        ))
    a, b = table(rows), table(rows[::-1])
    seeds_a = {tuple(p.values()): tuple(a.seeds()[i]) for i, p in a.iter_points()}
    seeds_b = {tuple(p.values()): tuple(b.seeds()[i]) for i, p in b.iter_points()}
    assert seeds_a == seeds_b and len(set(seeds_a.values())) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('samples = 8', 'samples = 8\nlevels = 3'), "levels has no meaning for method = 'lhs'"),
        (('method = "lhs"\nsamples = 8', 'method = "sobol"\nsamples = 12'), "needs a power of two; use 8 or 16"),
        (('method = "lhs"\nsamples = 8', 'method = "morris"\nsamples = 4\nlevels = 5'), "levels must be an even"),
        (('method = "lhs"', 'method = "lhx"'), "did you mean 'lhs'"),
        (("bounds = [0.1, 0.3]", "bounds = [0.3, 0.1]"), "the low bound must be below the high one"),
        (("bounds = [0.001, 0.004]", "bounds = [0.0, 0.004]"), "log-uniform 'skin.immune.cytokine_rate' needs bounds above 0"),
        (('distribution = "log-uniform"', 'distribution = "lognormal"'), "unknown distribution 'lognormal'"),
        (("bounds = [0.1, 0.3]", "bounds = [-0.5, 0.3]"), "skin.scar.collagen_threshold"),
        (("samples = 8\n", ""), "missing samples"),
        (('[sweep.design]\nmethod = "lhs"\nsamples = 8\nseed = 3\n', ""), "bounds need a sampled design"),
    ],
)
def test_bad_designs_are_refused_in_one_line(change: tuple[str, str], message: str) -> None:
    assert change[0] in LHS
    with pytest.raises(SpecError, match=re.escape(message)) as err:
        parse_sweep(LHS.replace(*change))
    assert "\n" not in str(err.value)


def test_an_unknown_model_is_refused_by_the_cli_with_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text(LHS.replace('name = "lhs"', 'name = "lhs"\nmodel = "ishigam"'))
    done = subprocess.run([sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "unknown model 'ishigam'" in done.stderr and "did you mean 'ishigami'" in done.stderr
    assert not (tmp_path / "o").exists()


# -- through the cluster ----------------------------------------------------------------


def _sweep(cluster, cfg: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(out), "--no-progress",
         "--scheduler", cluster.scheduler_address], capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def references(cluster, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Uninterrupted LHS and Morris sweeps (config, results) to compare against."""
    base = tmp_path_factory.mktemp("designs")
    out = {}
    for name, text in (("lhs", LHS), ("morris", MORRIS)):
        cfg = base / f"{name}.toml"
        cfg.write_text(textwrap.dedent(text))
        done = _sweep(cluster, cfg, base / name)
        assert done.returncode == 0, done.stderr
        out[name] = (cfg, base / name)
    return out


@pytest.mark.cluster
def test_a_sampled_cube_is_point_by_replicate_by_time(references) -> None:
    _, d = references["morris"]
    ds = orchestration.open_results(d)
    assert ds.wound_closure_pct.dims == ("point", "replicate", "time")
    assert ds["cytokine_rate"].dims == ("point",)
    assert ds["cytokine_rate"].attrs["param"] == "skin.immune.cytokine_rate"
    assert ds.sizes["point"] == 9 and (ds.status.values == STATUS_OK).all()
    spec = orchestration.load_sweep(references["morris"][0])
    design = Design(spec)
    np.testing.assert_array_equal(ds.seed.values, design.seeds())
    np.testing.assert_array_equal(ds["collagen_threshold"].values, design.columns[1].values)
    import pandas as pd

    summary = pd.read_csv(d / "summary.csv")
    assert len(summary) == 9 and list(summary.columns[:2]) == [
        "skin.immune.cytokine_rate", "skin.scar.collagen_threshold"
    ]


@pytest.mark.cluster
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "sig"),
    [("lhs", signal.SIGINT), ("lhs", signal.SIGKILL), ("morris", signal.SIGINT), ("morris", signal.SIGKILL)],
)
def test_interrupted_sampled_sweeps_resume_to_the_same_cube(cluster, references, tmp_path: Path, name, sig) -> None:
    cfg, ref = references[name]
    out = tmp_path / "o"
    env = {**os.environ, "SKIBIDY_FAULT_DELAY": "0.5"}
    argv = [sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(out),
            "--scheduler", cluster.scheduler_address, "--runs-per-task", "1"]
    sweep = FollowedProcess(argv, env=env)
    sweep.wait_for(r"ok=[2-5]\b", timeout=120)  # some runs in, more in flight
    sweep.proc.send_signal(sig)
    returncode, stdout, _ = sweep.finish(timeout=60)
    status = ResultStore(out).status()
    assert 0 < (status == STATUS_OK).sum() < status.size or sig == signal.SIGKILL
    assert (status == STATUS_OK).sum() < status.size
    if sig == signal.SIGINT:
        assert returncode == 130 and f"Resume with: skibidy sweep --resume {out}" in stdout
    resumed = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", "--resume", str(out), "--no-progress",
         "--scheduler", cluster.scheduler_address], capture_output=True, text=True, timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert_cubes_identical(orchestration.open_results(out), orchestration.open_results(ref))


DOC_BASE = """[sweep]
[sweep.design]
method = "lhs"
samples = 8
[[sweep.params]]
param = "skin.immune.cytokine_rate"
bounds = [0.001, 0.004]
"""
DOC_CASES = {
    52: DOC_BASE.replace('"lhs"', '"latin"'),
    53: DOC_BASE.replace('"lhs"\nsamples = 8', '"sobol"\nsamples = 100'),
    54: DOC_BASE.replace('"lhs"\nsamples = 8', '"morris"\nsamples = 10\nlevels = 5'),
    55: DOC_BASE.replace("samples = 8\n", ""),
    56: DOC_BASE.replace("samples = 8", 'samples = 8\nfile = "points.csv"'),
    57: DOC_BASE.replace('[sweep.design]\nmethod = "lhs"\nsamples = 8\n', ""),
    58: DOC_BASE.replace("[0.001, 0.004]", "[0.004, 0.001]"),
    59: DOC_BASE.replace("[0.001, 0.004]", "[-1, 0.004]"),
    60: DOC_BASE + 'distribution = "lognormal"\n',
    61: DOC_BASE.replace("[0.001, 0.004]", "[0, 0.004]") + 'distribution = "log-uniform"\n',
    62: DOC_BASE + "values = [0.001]\n",
    63: DOC_BASE.replace("skin.immune.cytokine_rate", "skin.duration_days").replace("[0.001, 0.004]", "[1, 2]"),
    64: DOC_BASE.replace("bounds = [0.001, 0.004]", "values = [0.001]"),
    65: DOC_BASE.replace("[sweep]\n", '[sweep]\nmodel = "ishigamy"\n'),
    66: '[sweep]\n[sweep.design]\nmethod = "table"\nfile = "points.csv"\n',
}


@pytest.mark.parametrize("row", sorted(DOC_CASES))
def test_the_catalogue_quotes_the_design_errors_exactly(row: int, tmp_path: Path, monkeypatch) -> None:
    """docs/bad-input.md rows 52-66 are the messages, word for word."""
    monkeypatch.chdir(tmp_path)  # no points.csv here
    doc = (Path(__file__).resolve().parents[2] / "docs" / "bad-input.md").read_text()
    line = next(x for x in doc.splitlines() if x.startswith(f"| {row} |"))
    quoted = line.rsplit("| `error: ", 1)[1].rsplit("` |", 1)[0].replace("\\|", "|")
    with pytest.raises(SpecError) as err:
        parse_sweep(DOC_CASES[row], source="cfg.toml")
    assert str(err.value) == quoted
