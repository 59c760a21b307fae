"""End-to-end sweeps and batches on a real LocalCluster (worker processes)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orchestration
from orchestration.store import STATUS_OK

from .conftest import SHORT, SMALL_SWEEP, assert_cubes_identical

pytestmark = pytest.mark.cluster


def test_sweep_builds_a_labelled_cube(client, write_config, tmp_path: Path) -> None:
    ds = orchestration.run_sweep(write_config(SMALL_SWEEP), tmp_path / "out", progress=False)
    assert dict(ds.sizes)["cytokine_rate"] == 2 and dict(ds.sizes)["collagen_threshold"] == 2
    assert ds["cytokine_rate"].attrs["param"] == "skin.immune.cytokine_rate"
    assert ds.wound_closure_pct.dims == ("cytokine_rate", "collagen_threshold", "replicate", "time")
    assert "time_days" in ds.coords and ds.seed.dtype == np.uint64
    assert (ds.status.values == STATUS_OK).all()
    assert ds.attrs["spec_hash"] and ds.attrs["config_text"] and "dask" in ds.attrs["versions"]
    for name in ("config.toml", "summary.csv", "heatmap.png", "raw/pt000_val0.001_0.1_run000.csv"):
        assert (tmp_path / "out" / name).exists(), name


def _direct(table: pd.DataFrame, column: str, measure: str) -> float:
    """The seed's definitions, applied to one run's own table."""
    y, t = table[column].to_numpy(), table["time_h"].to_numpy()
    if measure == "final":
        return float(y[-1])
    if measure == "peak":
        return float(y.max())
    if measure == "auc":
        return float(np.trapezoid(y, t))
    threshold = float(measure.removeprefix("time_to_"))
    hit = np.flatnonzero(y >= threshold)
    if not hit.size:
        return float("nan")
    k = int(hit[0])
    if k == 0:
        return float(t[0])
    return float(t[k - 1] + (threshold - y[k - 1]) / (y[k] - y[k - 1]) * (t[k] - t[k - 1]))


def test_summary_equals_direct_computation_from_raw_tables(client, write_config, tmp_path: Path) -> None:
    from dataclasses import replace

    from orchestration.products import summary_table
    from orchestration.spec import Outcomes
    from orchestration.store import stored_spec

    out = tmp_path / "out"
    ds = orchestration.run_sweep(write_config(SMALL_SWEEP), out, progress=False)
    tables = {f.name: pd.read_csv(f) for f in sorted((out / "raw").glob("pt*.csv"))}
    assert len(tables) == 8
    metrics = ("wound_closure_pct", "mean_infl_wound")
    closure = np.concatenate([t["wound_closure_pct"].to_numpy() for t in tables.values()])
    threshold = float(np.median(closure))  # reached by some runs, not by others
    for measure in ("final", "peak", "auc", f"time_to_{threshold!r}"):
        spec = replace(stored_spec(out), outcomes=Outcomes(metrics[0], metrics[1:], measure))
        summary = summary_table(ds, spec)
        rows = [
            {"point": int(name[2:5]), **{m: _direct(t, m, measure) for m in metrics}}
            for name, t in tables.items()
        ]
        direct = pd.DataFrame(rows).groupby("point")
        for m in metrics:
            col = f"{m}_{measure}"  # summary columns name the measure
            np.testing.assert_allclose(summary[col], direct[m].mean(), rtol=1e-12, atol=1e-12, err_msg=measure)
            np.testing.assert_allclose(summary[f"{col}_std"], direct[m].std(ddof=1), rtol=1e-9, atol=1e-12, err_msg=measure)
            assert summary[f"{col}_n"].tolist() == direct[m].count().tolist()
        assert summary["n_runs"].tolist() == direct.size().tolist()
    on_disk = pd.read_csv(out / "summary.csv")
    assert list(on_disk.columns[:3]) == ["skin.immune.cytokine_rate", "skin.scar.collagen_threshold", "n_runs"]
    assert "wound_closure_pct_peak_std" in on_disk.columns  # SMALL_SWEEP's measure


def test_one_and_two_workers_give_bit_identical_cubes(client, write_config, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    cfg = write_config(SMALL_SWEEP)
    two = orchestration.run_sweep(cfg, tmp_path / "two", progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as lc, Client(lc) as c1:
        one = orchestration.run_sweep(cfg, tmp_path / "one", client=c1, progress=False)
    assert_cubes_identical(one, two)


def test_batch_writes_consensus_files(client, tmp_path: Path) -> None:
    ds = orchestration.run_batch(3, overrides={"skin.duration_days": SHORT, "skin.metrics_interval_h": 1.0}, out=tmp_path / "b", progress=False)
    assert ds.wound_closure_pct.dims == ("replicate", "time")
    for name in ("metrics.csv", "consensus.csv", "summary.csv", "raw/run_000.csv", "raw/run_002.csv"):
        assert (tmp_path / "b" / name).exists(), name
    consensus = pd.read_csv(tmp_path / "b" / "consensus.csv")
    assert "wound_closure_pct_std" in consensus.columns
    mean = pd.read_csv(tmp_path / "b" / "metrics.csv")
    np.testing.assert_allclose(mean["wound_closure_pct"], ds.wound_closure_pct.mean("replicate").values[: len(mean)])


def test_runs_of_different_lengths_share_a_padded_time_axis(client, write_config, tmp_path: Path) -> None:
    cfg = write_config(
        """
        [sweep]
        runs_per_value = 1
        param = "skin.duration_days"
        values = [0.25, 0.5]
        [sweep.set]
        "skin.metrics_interval_h" = 2.0
        [outcomes]
        measure = "final"
        """
    )
    ds = orchestration.run_sweep(cfg, tmp_path / "o", progress=False)
    short = ds.step.sel(duration_days=0.25, replicate=0).values
    long = ds.step.sel(duration_days=0.5, replicate=0).values
    assert np.isnan(short[-1]) and not np.isnan(long[-1])
    assert np.count_nonzero(~np.isnan(short)) < np.count_nonzero(~np.isnan(long))


def test_three_axes_with_strings_and_bools(client, write_config, tmp_path: Path) -> None:
    cfg = write_config(
        f"""
        [sweep]
        name = "three"
        runs_per_value = 1
        [[sweep.params]]
        param = "skin"
        values = ["normal", "aged"]
        [[sweep.params]]
        param = "skin.scar.enabled"
        values = [true, false]
        [[sweep.params]]
        param = "skin.immune.cytokine_rate"
        values = [0.001]
        [sweep.set]
        "skin.duration_days" = {SHORT}
        "skin.metrics_interval_h" = 2.0
        """
    )
    ds = orchestration.run_sweep(cfg, tmp_path / "o", progress=False)
    assert list(ds.skin.values) == ["normal", "aged"]
    assert ds.scar_enabled.dtype == bool
    assert (tmp_path / "o" / "facets.png").exists()
    summary = pd.read_csv(tmp_path / "o" / "summary.csv")
    assert list(summary.columns[:3]) == ["skin", "skin.scar.enabled", "skin.immune.cytokine_rate"]
    assert len(summary) == 4


def test_tasks_carry_sweep_keys_and_stay_within_the_window(client, write_config, tmp_path: Path, monkeypatch) -> None:
    from orchestration.spec import load_sweep

    cfg = write_config(SMALL_SWEEP.replace("runs_per_value = 2", "runs_per_value = 6"))
    keys: list[str] = []
    in_flight: list[int] = []
    live: set = set()
    real_submit = client.submit

    def submit(*args, **kwargs):
        fut = real_submit(*args, **kwargs)
        keys.append(fut.key)
        live.add(fut.key)
        fut.add_done_callback(lambda f: live.discard(f.key))
        in_flight.append(len(live))
        return fut

    monkeypatch.setattr(client, "submit", submit)
    orchestration.run_sweep(cfg, tmp_path / "o", client=client, progress=False, runs_per_task=1, raw=False)
    prefix = load_sweep(cfg).with_options().hash[:12]
    assert len(keys) == 24 and all(k.startswith(f"{prefix}-r") for k in keys)
    assert max(in_flight) <= 16  # the default window: max(16, 3 x 2 threads)
