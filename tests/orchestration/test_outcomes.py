"""Outcome measures: the registry against plain numpy, per-outcome measures end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from orchestration import measures
from orchestration.measures import MeasureError, MeasureKind, Outcomes, get, parse_outcomes
from orchestration.outcomes import measure, replicate_stats, t_quantile_975

from .conftest import SHORT

T = np.array([0.0, 10.0, 20.0, 30.0, 45.0])  # uneven rows, as a run's last row is
METRICS = ("wound_closure_pct", "mean_infl_wound", "n_macrophages", "scar_magnitude")


def _runs(rows: list[list[float]]) -> xr.DataArray:
    return xr.DataArray(np.array(rows, dtype=float), dims=("replicate", "time"), coords={"time": T})


def _cube() -> xr.DataArray:
    """2 points x 4 replicates x time, ragged NaN ends, one run with no data at all."""
    rng = np.random.default_rng(3)
    values = np.cumsum(rng.uniform(-5.0, 30.0, size=(2, 4, len(T))), axis=-1)
    values[0, 1, -2:] = np.nan  # a run that stopped early
    values[1, 2, :] = np.nan  # a run with no row
    return xr.DataArray(values, dims=("rate", "replicate", "time"),
                        coords={"rate": [0.1, 0.2], "time": T}, name="wound_closure_pct")


def _direct(y: np.ndarray, name: str, times: np.ndarray = T) -> float:
    """Each measure's definition, computed on one run's valid rows with plain numpy."""
    ok = ~np.isnan(y)
    if not ok.any():
        return np.nan
    v, t = y[ok], times[ok]
    if name == "final":
        return float(v[-1])
    if name == "peak":
        return float(v.max())
    if name == "min":
        return float(v.min())
    if name == "auc":
        return float(np.trapezoid(v, t))
    if name == "mean":
        return float(np.trapezoid(v, t) / (t[-1] - t[0])) if len(v) > 1 else float(v[0])
    if name == "time_of_peak":
        return float(t[np.argmax(v)])
    level = float(name.removeprefix("time_to_"))
    hit = np.flatnonzero(v >= level)
    if not hit.size:
        return np.nan
    k = int(hit[0])
    if k == 0:
        return float(t[0])
    return float(t[k - 1] + (level - v[k - 1]) / (v[k] - v[k - 1]) * (t[k] - t[k - 1]))


SHIPPED = ["final", "peak", "min", "mean", "auc", "time_of_peak", "time_to_40", "time_to_1e6"]


def test_every_registered_measure_is_tested() -> None:
    tested = {get(n).kind.name for n in SHIPPED}
    assert tested == set(measures.names())


@pytest.mark.parametrize("name", SHIPPED)
def test_measure_agrees_with_numpy_on_every_run(name: str) -> None:
    cube = _cube()
    got = measure(cube, name)
    assert got.dims == ("rate", "replicate") and got.attrs["measure"] == name
    for i, r in np.ndindex(*got.shape):
        expected = _direct(cube.values[i, r], name)
        np.testing.assert_allclose(got.values[i, r], expected, rtol=1e-12, equal_nan=True,
                                   err_msg=f"{name} at {i},{r}")


def test_measure_of_a_lazy_cube_and_of_a_dataset() -> None:
    cube = _cube()
    lazy = measure(cube.chunk({"rate": 1}), "auc")
    np.testing.assert_array_equal(lazy.compute().values, measure(cube, "auc").values)
    ds = xr.Dataset({"wound_closure_pct": cube, "scar_magnitude": cube * 2})
    both = measure(ds, "peak")
    np.testing.assert_allclose(both["scar_magnitude"], 2 * both["wound_closure_pct"])


def test_time_to_is_interpolated_and_nan_if_never_reached() -> None:
    da = _runs([[0, 50, 95, np.nan, np.nan], [0, 10, 20, 30, 40]])
    np.testing.assert_allclose(measure(da, "time_to_90").values, [10 + 10 * 40 / 45, np.nan])
    np.testing.assert_allclose(measure(da, "time_to_0").values, [0, 0])


def test_mean_of_peaks_is_not_peak_of_mean() -> None:
    da = _runs([[0, 10, 0, 0, 0], [0, 0, 10, 0, 0]])
    assert float(measure(da, "peak").mean()) == 10
    assert float(measure(da.mean("replicate"), "peak")) == 5


@pytest.mark.parametrize(
    ("metric", "name", "unit", "label"),
    [
        ("wound_closure_pct", "time_to_90", "h", "wound_closure_pct, time to 90 % (h)"),
        ("wound_closure_pct", "final", "%", "wound_closure_pct, final value (%)"),
        ("mean_infl_wound", "auc", "a.u.·h", "mean_infl_wound, area under the curve (a.u.·h)"),
        ("n_macrophages", "peak", "cells", "n_macrophages, peak (cells)"),
        ("n_macrophages", "time_of_peak", "h", "n_macrophages, time of peak (h)"),
    ],
)
def test_units_and_labels(metric: str, name: str, unit: str, label: str) -> None:
    assert get(name).unit(metric) == unit
    assert get(name).label(metric) == label


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("pek", "did you mean 'peak'?"),
        ("time_to", "did you mean 'time_to_90'"),
        ("time_to_", "needs a threshold number"),
        ("time_to_1e999", "the threshold 1e999 is not a finite number"),
        ("median", "valid measures: final, peak, min, mean, auc, time_of_peak, time_to_N"),
    ],
)
def test_unknown_measures_name_the_closest(name: str, needle: str) -> None:
    with pytest.raises(MeasureError, match=None) as exc:
        get(name)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_a_registered_measure_works_everywhere() -> None:
    kind = MeasureKind("span", lambda v, hours, argument: np.nanmax(v, -1) - np.nanmin(v, -1),
                       unit=lambda u: u, describe="range")
    measures.register(kind)
    try:
        da = _runs([[1, 5, 3, 2, np.nan]])
        assert float(measure(da, "span")[0]) == 4.0
        assert Outcomes("n_macrophages:span").items[0].unit == "cells"
        with pytest.raises(ValueError, match="already registered"):
            measures.register(kind)
    finally:
        measures._REGISTRY.pop("span")


# -- [outcomes]: each outcome its own measure -------------------------------------------------


def test_entries_name_their_measure_and_bare_names_take_the_default() -> None:
    o = parse_outcomes(
        {"primary": "wound_closure_pct:time_to_90",
         "secondary": ["mean_infl_wound:peak", "n_macrophages", "wound_closure_pct:time_to_90"],
         "measure": "auc"},
        "cfg.toml", METRICS,
    )
    assert [x.column for x in o.items] == [
        "wound_closure_pct_time_to_90", "mean_infl_wound_peak", "n_macrophages_auc",
    ]
    assert o.metrics == ("wound_closure_pct", "mean_infl_wound", "n_macrophages")
    old = parse_outcomes({"primary": "scar_magnitude", "secondary": ["n_macrophages"]}, "c", METRICS)
    assert [x.column for x in old.items] == ["scar_magnitude_final", "n_macrophages_final"]


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"primary": "closure"}, "unknown outcome metric 'closure'"),
        ({"secondary": ["mean_infl:peak"]}, "did you mean 'mean_infl_wound'?"),
        ({"secondary": ["mean_infl_wound:pek"]}, "'mean_infl_wound:pek': unknown measure 'pek'; did you mean 'peak'?"),
        ({"measure": "median"}, "[outcomes] measure: unknown measure 'median'"),
        ({"primary": "wound_closure_pct:time_to_150"}, "is a percentage and never exceeds 100"),
        ({"secondary": ["n_macrophages:time_to_-5"]}, "use a positive threshold"),
        ({"measures": {}}, "unknown key 'measures'"),
        ({"secondary": [1]}, "secondary must be a list of names"),
    ],
)
def test_bad_outcomes_are_one_line_naming_the_fix(table: dict, needle: str) -> None:
    with pytest.raises(MeasureError) as exc:
        parse_outcomes(table, "cfg.toml", METRICS)
    assert needle in str(exc.value) and "\n" not in str(exc.value), str(exc.value)


# -- replicate statistics -------------------------------------------------------------------


def test_replicate_stats_with_status_mask() -> None:
    per_run = xr.DataArray([1.0, 2.0, 3.0, 100.0], dims="replicate")
    ok = xr.DataArray([True, True, True, False], dims="replicate")
    st = replicate_stats(per_run, ok)
    assert float(st["mean"]) == 2.0 and int(st["n"]) == 3
    assert float(st["std"]) == pytest.approx(1.0)
    assert float(st["ci95"]) == pytest.approx(4.303 / np.sqrt(3))


def test_t_quantile() -> None:
    assert t_quantile_975(1) == pytest.approx(12.706)
    assert t_quantile_975(60) == pytest.approx(2.0003, abs=2e-3)
    assert t_quantile_975(10**6) == pytest.approx(1.96, abs=1e-3)


# -- end to end: skibidy sweep on a LocalCluster ------------------------------------------------

PER_OUTCOME = f"""
[sweep]
name = "per_outcome"
param = "skin"
values = ["normal", "diabetic"]
runs_per_value = 2

[sweep.set]
"skin.duration_days" = {SHORT}
"skin.metrics_interval_h" = 1.0

[outcomes]
primary = "mean_infl_wound:time_to_0.1"
secondary = ["wound_closure_pct:final", "n_macrophages", "mean_infl_wound:auc"]
measure = "time_of_peak"
"""


@pytest.mark.cluster
def test_each_outcome_its_own_measure_through_skibidy_sweep(cluster, capsys, tmp_path: Path) -> None:
    from skibidy.cli import main

    cfg = tmp_path / "cfg.toml"
    cfg.write_text(PER_OUTCOME)
    out = tmp_path / "out"
    code = main(["sweep", str(cfg), "--out", str(out), "--scheduler", cluster.scheduler_address,
                 "--no-progress"])
    assert code == 0, capsys.readouterr().err
    summary = pd.read_csv(out / "summary.csv")
    columns = ["mean_infl_wound_time_to_0.1", "wound_closure_pct_final", "n_macrophages_time_of_peak",
               "mean_infl_wound_auc"]
    assert list(summary.columns[:2]) == ["skin", "n_runs"]
    assert [c for c in summary.columns if c in columns] == columns
    assert summary[columns].notna().all().all()  # each measure fits its metric: no NaN column
    # every mean is the average of the measure computed directly on each run's raw table
    raw = {f.name: pd.read_csv(f) for f in sorted((out / "raw").glob("pt*.csv"))}
    for point, skin in enumerate(["normal", "diabetic"]):
        tables = [t for n, t in raw.items() if n.startswith(f"pt{point:03d}")]
        assert len(tables) == 2
        for column, metric, name in [
            ("mean_infl_wound_time_to_0.1", "mean_infl_wound", "time_to_0.1"),
            ("wound_closure_pct_final", "wound_closure_pct", "final"),
            ("n_macrophages_time_of_peak", "n_macrophages", "time_of_peak"),
            ("mean_infl_wound_auc", "mean_infl_wound", "auc"),
        ]:
            per_run = [_direct(t[metric].to_numpy(float), name, t["time_h"].to_numpy(float))
                       for t in tables]
            assert summary.loc[point, column] == pytest.approx(np.mean(per_run), rel=1e-12), column
    units = pd.read_csv(out / "summary_columns.csv").set_index("column")
    assert units.loc["mean_infl_wound_time_to_0.1", "unit"] == "h"
    assert units.loc["wound_closure_pct_final", "unit"] == "%"
    assert units.loc["mean_infl_wound_auc_std", "unit"] == "a.u.·h"
    assert units.loc["n_macrophages_time_of_peak_n", "unit"] == "runs"
    assert set(units.index) == {c for c in summary.columns if c not in ("skin", "n_runs")}
    assert (out / "sweep.png").exists()
