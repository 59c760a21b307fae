"""The ``.skibidy`` accessor on hand-made cubes: measures agree with plain numpy, plots draw."""

from __future__ import annotations

import warnings
from typing import Iterator

import matplotlib
import numpy as np
import pytest
import xarray as xr

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import orchestration  # noqa: E402,F401  (registers the accessor)
from orchestration import accessor  # noqa: E402
from skibidy.errors import SkibidyError  # noqa: E402

T = np.array([0.0, 10.0, 20.0, 30.0, 40.0, 50.0])
RATES = [0.001, 0.002, 0.004]
FAILED = (1, 2)  # (rate index, replicate) of the run that failed


def _cube(skins: list[str] | None = None) -> xr.Dataset:
    """rate x replicate x time closure curves; one run failed (status 2, garbage data)."""
    rng = np.random.default_rng(7)
    shape = (len(RATES), 4, len(T)) if skins is None else (len(RATES), len(skins), 4, len(T))
    closure = np.cumsum(rng.uniform(0.0, 12.0, size=shape), axis=-1)
    closure[..., -1] = np.where(rng.random(shape[:-1]) < 0.3, np.nan, closure[..., -1])  # ragged end
    status = np.ones(shape[:-1], dtype=np.uint8)
    dims: tuple[str, ...] = ("rate", "replicate") if skins is None else ("rate", "skin", "replicate")
    if skins is None:
        status[FAILED] = 2
        closure[FAILED] = 1e6
    coords: dict[str, object] = {
        "rate": xr.Variable("rate", RATES, attrs={"param": "skin.immune.cytokine_rate"}),
        "replicate": np.arange(4),
        "time": T,
        "time_days": ("time", T / 24.0),
        "status": (dims, status),
    }
    if skins is not None:
        coords["skin"] = xr.Variable("skin", np.array(skins, dtype=object), attrs={"param": "skin"})
    return xr.Dataset(
        {
            "wound_closure_pct": ((*dims, "time"), closure),
            "mean_infl_wound": ((*dims, "time"), rng.uniform(0, 2, size=shape)),
        },
        coords=coords,
        attrs={"skin": "normal"},
    )


@pytest.fixture()
def ds() -> xr.Dataset:
    return _cube()


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _numpy_measure(y: np.ndarray, name: str) -> float:
    valid = ~np.isnan(y)
    if not valid.any():
        return np.nan
    if name == "final":
        return float(y[valid][-1])
    if name == "peak":
        return float(np.nanmax(y))
    if name == "auc":
        return float(np.trapezoid(y[valid], T[valid]))  # NaN only at the end here
    threshold = float(name.removeprefix("time_to_"))
    hits = np.flatnonzero(y >= threshold)
    if not hits.size:
        return np.nan
    k = int(hits[0])
    if k == 0 or np.isnan(y[k - 1]):
        return float(T[k])
    # interpolated between the two rows around the crossing
    return float(T[k - 1] + (threshold - y[k - 1]) / (y[k] - y[k - 1]) * (T[k] - T[k - 1]))


# -- registration and description -----------------------------------------------------------


def test_importing_orchestration_registers_the_accessor(ds: xr.Dataset) -> None:
    assert isinstance(ds.skibidy, accessor.SkibidyDatasetAccessor)
    assert isinstance(ds.wound_closure_pct.skibidy, accessor.SkibidyDataArrayAccessor)


def test_params_and_their_dotted_paths(ds: xr.Dataset) -> None:
    assert ds.skibidy.params == ["rate"]
    assert ds.skibidy.param_paths == {"rate": "skin.immune.cytokine_rate"}


# -- measures -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["final", "peak", "auc", "time_to_20", "time_to_1000"])
def test_outcome_agrees_with_numpy_on_every_good_run(ds: xr.Dataset, name: str) -> None:
    got = ds.skibidy.outcome("wound_closure_pct", name).values
    data = ds.wound_closure_pct.values
    for i, r in np.ndindex(*got.shape):
        expected = np.nan if (i, r) == FAILED else _numpy_measure(data[i, r], name)
        np.testing.assert_allclose(got[i, r], expected, equal_nan=True, err_msg=f"{name} {i},{r}")


def test_failed_runs_are_left_out_unless_asked(ds: xr.Dataset) -> None:
    assert np.isnan(ds.skibidy.outcome("wound_closure_pct", "peak")[FAILED])
    assert float(ds.skibidy.outcome("wound_closure_pct", "peak", good_only=False)[FAILED]) == 1e6


def test_dataarray_and_dataset_accessors_agree(ds: xr.Dataset) -> None:
    a = ds.wound_closure_pct.skibidy.outcome("auc")
    b = ds.skibidy.outcome("wound_closure_pct", "auc")
    xr.testing.assert_identical(a, b)
    xr.testing.assert_identical(
        ds.wound_closure_pct.skibidy.stats("peak"), ds.skibidy.stats("wound_closure_pct", "peak")
    )


def test_measure_keeps_every_run(ds: xr.Dataset) -> None:
    assert float(ds.wound_closure_pct.skibidy.measure("final")[FAILED]) == 1e6


# -- statistics -----------------------------------------------------------------------------


def test_stats_are_mean_sd_n_and_ci_of_per_run_outcomes(ds: xr.Dataset) -> None:
    st = ds.skibidy.stats("wound_closure_pct", "peak")
    data = ds.wound_closure_pct.values
    for i in range(len(RATES)):
        runs = [r for r in range(4) if (i, r) != FAILED]
        per_run = np.array([_numpy_measure(data[i, r], "peak") for r in runs])
        t975 = {3: 4.303, 4: 3.182}[len(runs)]  # Student t, df = n - 1
        assert int(st["n"][i]) == len(runs)
        np.testing.assert_allclose(st["mean"][i], per_run.mean())
        np.testing.assert_allclose(st["std"][i], per_run.std(ddof=1))
        np.testing.assert_allclose(st["ci95"][i], t975 * per_run.std(ddof=1) / np.sqrt(len(runs)))


def test_stats_of_an_outcome_already_reduced(ds: xr.Dataset) -> None:
    per_run = ds.skibidy.outcome("wound_closure_pct", "final")
    direct = accessor.stats(per_run, None)
    via_measure = ds.skibidy.stats("wound_closure_pct", "final")
    np.testing.assert_allclose(direct["mean"], via_measure["mean"])


def test_stats_need_a_measure_while_time_is_there(ds: xr.Dataset) -> None:
    with pytest.raises(SkibidyError, match="name a measure"):
        ds.wound_closure_pct.skibidy.stats(None)


def test_unknown_metric_names_the_nearest(ds: xr.Dataset) -> None:
    with pytest.raises(SkibidyError, match="wound_closure_pct"):
        ds.skibidy.outcome("wound_closure", "final")


def test_timecourse_is_mean_and_sd_over_good_replicates(ds: xr.Dataset) -> None:
    tc = ds.skibidy.timecourse("wound_closure_pct")
    good = ds.wound_closure_pct.values.copy()
    good[FAILED] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN time is NaN either way
        np.testing.assert_allclose(tc["mean"], np.nanmean(good, axis=1))
        np.testing.assert_allclose(tc["std"], np.nanstd(good, axis=1, ddof=1))
    np.testing.assert_array_equal(tc["n"], (~np.isnan(good)).sum(axis=1))


# -- plots ----------------------------------------------------------------------------------


def test_plot_timecourse_draws_one_line_and_band_per_value(ds: xr.Dataset) -> None:
    ax = ds.skibidy.plot_timecourse("wound_closure_pct")
    assert isinstance(ax, Axes)
    assert len(ax.lines) == len(RATES)
    assert len(ax.collections) == len(RATES)  # the +/- sd bands
    np.testing.assert_allclose(ax.lines[0].get_xdata(), T / 24.0)


def test_plot_timecourse_into_given_axes_with_replicates(ds: xr.Dataset) -> None:
    fig, ax = plt.subplots()
    out = ds.wound_closure_pct.skibidy.plot_timecourse(ax=ax, replicates=True, band="ci95")
    assert out is ax
    assert len(ax.lines) == len(RATES) * 5  # 4 replicates + the mean per value


def test_plot_timecourse_of_several_metrics_returns_a_figure(ds: xr.Dataset) -> None:
    fig = ds.skibidy.plot_timecourse(["wound_closure_pct", "mean_infl_wound"], by="rate")
    assert isinstance(fig, Figure)
    assert [len(a.lines) for a in fig.axes if a.get_visible()] == [len(RATES)] * 2
    with pytest.raises(SkibidyError, match="only with one metric"):
        ds.skibidy.plot_timecourse(["wound_closure_pct"], ax=fig.axes[0])


def test_plot_sweep_error_bars_are_the_replicate_sd(ds: xr.Dataset) -> None:
    ax = ds.skibidy.plot_sweep("wound_closure_pct", "final")
    assert isinstance(ax, Axes)
    st = ds.skibidy.stats("wound_closure_pct", "final")
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), RATES)
    np.testing.assert_allclose(line.get_ydata(), st["mean"])


def test_plot_sweep_of_several_metrics_returns_a_figure(ds: xr.Dataset) -> None:
    fig = ds.skibidy.plot_sweep(["wound_closure_pct", "mean_infl_wound"], "peak")
    assert isinstance(fig, Figure)
    assert len([a for a in fig.axes if a.get_visible()]) == 2


def test_plot_sweep_on_strings_is_categorical_with_hue() -> None:
    cube = _cube(["normal", "diabetic"])
    ax = cube.skibidy.plot_sweep("wound_closure_pct", "final", x="skin")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["normal", "diabetic"]
    assert ax.get_legend() is not None  # one line per rate


def test_plot_heatmap_has_one_annotated_cell_per_point() -> None:
    cube = _cube(["normal", "aged"])
    ax = cube.skibidy.plot_heatmap("wound_closure_pct", "auc", x="rate", y="skin")
    assert isinstance(ax, Axes)
    image = ax.images[0].get_array()
    assert image.shape == (2, len(RATES))
    st = cube.skibidy.stats("wound_closure_pct", "auc").transpose("skin", "rate")
    np.testing.assert_allclose(np.asarray(image), st["mean"].values)
    assert len(ax.texts) == 2 * len(RATES)


def test_plot_literature_draws_the_reference_of_each_condition() -> None:
    cube = _cube(["normal", "diabetic"]).sel(rate=0.002)
    ax = cube.skibidy.plot_literature("wound_closure_pct", by="skin")
    labels = [line.get_label() for line in ax.lines]
    assert "literature (normal)" in labels and "literature (diabetic)" in labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "band: ± 1 sd over runs" in legend and "normal (mean of 4 runs)" in legend
    fig = cube.skibidy.plot_literature(["wound_closure_pct", "mean_infl_wound"], by="skin")
    assert isinstance(fig, Figure)


def test_plot_literature_refuses_a_metric_without_reference(ds: xr.Dataset) -> None:
    ds = ds.rename({"mean_infl_wound": "mean_o2_wound"})
    with pytest.raises(SkibidyError, match="no literature curve"):
        ds.skibidy.plot_literature("mean_o2_wound")


def test_plots_ask_to_select_extra_dimensions() -> None:
    cube = _cube(["normal", "aged"])
    with pytest.raises(SkibidyError, match=r"\.sel\("):
        cube.skibidy.plot_timecourse("wound_closure_pct", by="skin")
    with pytest.raises(SkibidyError, match="two swept dimensions"):
        _cube().skibidy.plot_heatmap("wound_closure_pct")


# -- labels, categories, non-grid designs, and the files of a results directory ---------------


def test_plot_sweep_labels_the_measure_and_its_unit(ds: xr.Dataset) -> None:
    ax = ds.skibidy.plot_sweep("wound_closure_pct", "time_to_20")
    assert ax.get_ylabel() == "time to 20 % (h)"
    ax = ds.skibidy.plot_sweep("mean_infl_wound", "auc", error="ci95")
    assert "(a.u.·h)" in ax.get_ylabel() and "95 % CI" in ax.get_title()


def test_categories_are_points_with_error_bars_not_a_line() -> None:
    cube = _cube(["normal", "aged", "diabetic"]).sel(rate=0.002)
    ax = cube.skibidy.plot_sweep("wound_closure_pct", "peak")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["normal", "aged", "diabetic"]
    line = ax.lines[0]  # the means; the others are the error bars' caps
    assert all(other.get_linestyle() == "None" for other in ax.lines)  # nothing joins them
    assert line.get_marker() == "o" and len(ax.containers) == 1  # one errorbar series
    np.testing.assert_allclose(line.get_xdata(), [0, 1, 2])
    assert "(%)" in ax.get_ylabel()


def test_heatmap_colour_bar_names_the_unit_and_cells_are_compact() -> None:
    cube = _cube(["normal", "aged"])
    cube["wound_closure_pct"] = cube.wound_closure_pct * 1000  # values in the ten-thousands
    ax = cube.skibidy.plot_heatmap("wound_closure_pct", "final", x="rate", y="skin")
    colorbar = ax.images[0].colorbar
    assert colorbar is not None and "final value (%)" in colorbar.ax.get_ylabel()
    texts = [t.get_text() for t in ax.texts]
    assert texts and all("e+" not in t for t in texts) and any(t.endswith("k") for t in texts)


def test_timecourse_legend_says_what_the_band_is(ds: xr.Dataset) -> None:
    ax = ds.skibidy.plot_timecourse("wound_closure_pct", band="ci95")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "band: ± 95 % CI of the mean" in labels
    assert labels[0] == "0.001 (mean of 4 runs)"
    assert ax.get_ylabel() == "wound_closure_pct (%)"


def _point_cube(n: int = 12) -> xr.Dataset:
    """A non-grid design: point x replicate x time with one coordinate per parameter."""
    rng = np.random.default_rng(11)
    rate = rng.uniform(0.001, 0.01, n)
    shape = (n, 3, len(T))
    closure = np.cumsum(rng.uniform(0, 10, shape), axis=-1) * (1 + 50 * rate)[:, None, None]
    return xr.Dataset(
        {"wound_closure_pct": (("point", "replicate", "time"), closure)},
        coords={
            "rate": xr.Variable("point", rate, attrs={"param": "skin.immune.cytokine_rate"}),
            "skin": xr.Variable("point", np.array(["normal", "aged"] * (n // 2), dtype=object),
                                attrs={"param": "skin"}),
            "time": T,
            "status": (("point", "replicate"), np.ones(shape[:2], dtype=np.uint8)),
        },
    )


def test_a_point_design_is_a_scatter_against_each_parameter() -> None:
    cube = _point_cube()
    ax = cube.skibidy.plot_sweep("wound_closure_pct", "final")
    st = cube.skibidy.stats("wound_closure_pct", "final")
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_xdata(), cube.rate.values)
    np.testing.assert_allclose(line.get_ydata(), st["mean"].values)
    assert ax.get_xlabel() == "skin.immune.cytokine_rate" and "(%)" in ax.get_ylabel()
    ax = cube.skibidy.plot_sweep("wound_closure_pct", "final", x="skin")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["normal", "aged"]
    with pytest.raises(SkibidyError, match="not a parameter of these points"):
        cube.skibidy.plot_sweep("wound_closure_pct", "final", x="resolution")


def test_plot_all_writes_the_figure_that_fits_the_design(tmp_path) -> None:
    from matplotlib.image import imread

    from orchestration.measures import Outcomes
    from orchestration.outcomes import outcome_stats
    from orchestration.plots import plot_all

    outcomes = Outcomes("wound_closure_pct:time_to_20", ("mean_infl_wound:peak",))
    made = plot_all(outcome_stats(_point_cube(), Outcomes("wound_closure_pct:final")), tmp_path)
    assert [p.name for p in made] == ["points.png"]
    made = plot_all(outcome_stats(_cube(), outcomes), tmp_path)
    assert [p.name for p in made] == ["sweep.png"]
    made = plot_all(outcome_stats(_cube(["normal", "aged"]), outcomes), tmp_path)
    assert [p.name for p in made] == ["heatmap.png"]
    three = _cube(["normal", "aged"]).expand_dims(scar=[True, False], axis=2)
    made = plot_all(outcome_stats(three, outcomes), tmp_path)
    assert [p.name for p in made] == ["facets.png", "facets_mean_infl_wound_peak.png"]
    for p in made:
        assert imread(p).shape[0] > 100


def test_format_cell_never_writes_an_exponent() -> None:
    from orchestration.plots import format_cell

    assert [format_cell(v) for v in (50700.0, 3.2e6, 999.6, 5.0, 0.25)] == ["50.7k", "3.2M", "1000", "5", "0.25"]
