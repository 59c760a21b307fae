"""simulate(): the table it writes, determinism, the module contract and each module's key rule."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skibidy import METRIC_COLUMNS, load_config, output_times, simulate
from skibidy.config import PARAMETERS
from skibidy.engine import iterate
from skibidy.metrics import NOT_MODELLED, TIME_COLUMNS
from skibidy.model import MODULES, fibroblast, immune
from skibidy.model.immune import M1, M2
from skibidy.model.state import Agents, Grid, State


def short(days: float, skin: str = "normal", preset: str = "wound", **over: object):
    return load_config(skin, preset, {"skin.duration_days": days, **over})




def test_rows_are_labelled_with_the_time_their_state_holds() -> None:
    m = simulate(short(1.0), seed=0)
    assert list(m.columns) == list(METRIC_COLUMNS)
    assert list(m["time_h"]) == [0.0, 10.0, 20.0, 24.0]  # the last row is the end of the run
    assert list(m["step"]) == [0, 10, 20, 24]
    assert np.allclose(m["time_days"], m["time_h"] / 24)
    assert m["wound_closure_pct"].iloc[0] == 0.0  # t = 0 is the fresh wound


def test_a_30_day_run_ends_on_day_30() -> None:
    assert output_times(load_config())[-1] == 720.0


@pytest.mark.parametrize(("days", "over"), [(0.85, {}), (0.01, {}), (2.0, {"skin.metrics_interval_h": 6.0}),
                                            (1.0, {"skin.metrics_interval_h": 24.0})])
def test_output_times_are_the_rows_simulate_writes(days: float, over: dict) -> None:
    config = short(days, **over)
    assert simulate(config, seed=0)["time_h"].tolist() == output_times(config).tolist()


def test_same_seed_is_bit_identical_and_seeds_differ() -> None:
    cfg = short(3.0)
    a, b = simulate(cfg, seed=5), simulate(cfg, seed=5)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = simulate(cfg, seed=6)
    assert not a["wound_closure_pct"].equals(c["wound_closure_pct"])
    assert not a["n_neutrophils"].equals(c["n_neutrophils"])


def test_bit_identical_across_processes() -> None:
    code = (
        "import skibidy,sys;"
        "m=skibidy.simulate(skibidy.load_config(overrides={'skin.duration_days':2.0}),seed=11);"
        "sys.stdout.write(m.to_csv(float_format='%.17g'))"
    )
    # a fresh process with single-threaded BLAS, as on a Dask worker
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    here = simulate(load_config(overrides={"skin.duration_days": 2.0}), seed=11).to_csv(float_format="%.17g")
    assert out == here


def test_nothing_preset_has_all_wound_metrics_zero() -> None:
    m = simulate(load_config("normal", "nothing"), seed=0)
    assert m["time_h"].iloc[-1] == 300.0
    assert (m[list(METRIC_COLUMNS[3:])] == 0).all().all()


# --------------------------------------------------------------------------- the module contract
def test_one_module_list_defines_parameters_columns_and_coupling() -> None:
    declared = [p.path for m in MODULES for p in m.parameters]
    assert sorted(declared) == sorted(PARAMETERS) and len(declared) == len(set(declared))
    columns = [c for m in MODULES for c in m.columns]
    assert METRIC_COLUMNS == TIME_COLUMNS + tuple(columns) + NOT_MODELLED
    attributes = {f.name for f in dataclasses.fields(State)}
    for m in MODULES:
        assert set(m.reads) <= attributes and set(m.writes) <= attributes, m.name
        s = m.settings(load_config())
        if s is not None:  # settings are frozen: nothing changes them during a run
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(s, dataclasses.fields(s)[0].name, None)


def test_every_state_attribute_a_module_reads_is_written_by_some_module() -> None:
    written = {a for m in MODULES for a in m.writes}
    for m in MODULES:
        assert set(m.reads) <= written, (m.name, set(m.reads) - written)


# --------------------------------------------------------------------------- keratinocytes
def test_closure_rises_as_a_random_front_from_the_margin() -> None:
    cfg = short(8.0)
    for st in iterate(cfg, seed=0):
        pass
    g = st.grid
    covered, distance = st.covered[g.wound], g.distance_um[g.wound]
    outer = covered[distance > 0.8 * g.radius_um].mean()
    inner = covered[distance < 0.3 * g.radius_um].mean()
    assert g.n_wound > 1000 and outer > 0.9 and inner < 0.2
    other = list(iterate(cfg, seed=1))[-1]
    assert not np.array_equal(other.covered, st.covered)  # the front is stochastic


def test_bigger_wound_takes_longer_to_close() -> None:
    days = 10.0
    small = simulate(short(days), seed=0)["wound_closure_pct"].iloc[-1]
    large = simulate(short(days, **{"skin.wound.radius": 4000.0}), seed=0)["wound_closure_pct"].iloc[-1]
    assert Grid.for_wound(4000.0).n > Grid.for_wound(2000.0).n
    assert large < 0.8 * small


def test_no_migration_and_no_contraction_means_supply_alone_cannot_close() -> None:
    cfg = short(6.0, **{"skin.migration_enabled": False, "skin.fibroblast.contraction_rate": 0.0})
    assert simulate(cfg, seed=0)["wound_closure_pct"].max() == 0.0


# --------------------------------------------------------------------------- immune cells
def _settings(**over: object) -> immune.Settings:
    return dataclasses.replace(immune.settings(load_config()), **over)


def _m1_cells(n: int, age: float) -> Agents:
    cells = Agents()
    cells.add(np.zeros(n, dtype=np.int64), M1)
    cells.age[:] = cells.state_age[:] = age
    return cells


def _switched(cells: Agents, inflammation: float, engulfed: float, s: immune.Settings) -> float:
    field = np.full((2, 2), inflammation)
    immune.m1_to_m2(cells, field, np.full(len(cells), engulfed), s, np.random.default_rng(0), 1.0)
    return float(np.mean(cells.state == M2))


def test_m1_to_m2_by_timer_alone() -> None:
    s = _settings(m1_duration_h=10.0, low_signal=1e-6)
    assert _switched(_m1_cells(4000, 0.0), 1.0, 0.0, s) == pytest.approx(1 - np.exp(-0.1), abs=0.02)
    slow = _settings(m1_duration_h=1e6, low_signal=1e-6)
    assert _switched(_m1_cells(4000, 0.0), 1.0, 0.0, slow) < 0.002


def test_m1_to_m2_by_efferocytosis() -> None:
    s = _settings(m1_duration_h=1e6, low_signal=1e-6)
    assert _switched(_m1_cells(4000, 0.0), 1.0, 1.0, s) == pytest.approx(immune.SWITCH_PER_ENGULFMENT, abs=0.03)


def test_m1_to_m2_by_low_inflammation_only_after_the_minimum_age() -> None:
    s = _settings(m1_duration_h=1e6, low_signal=1.0, min_age_h=24.0)
    young = _switched(_m1_cells(4000, 10.0), 0.0, 0.0, s)
    old = _switched(_m1_cells(4000, 30.0), 0.0, 0.0, s)
    inflamed = _switched(_m1_cells(4000, 30.0), 100.0, 0.0, s)
    assert young < 0.002 and old == pytest.approx(1 - np.exp(-1 / immune.LOW_SIGNAL_SWITCH_H), abs=0.02)
    assert inflamed < 0.002


def test_diabetic_m1_persistence_slows_every_switch_route() -> None:
    fast = _settings(m1_duration_h=10.0, low_signal=1.0, min_age_h=0.0, m1_persistence=1.0)
    slow = dataclasses.replace(fast, m1_persistence=3.0)
    for inflammation, engulfed in ((100.0, 0.0), (100.0, 1.0), (0.0, 0.0)):  # timer, efferocytosis, low signal
        quick = _switched(_m1_cells(4000, 30.0), inflammation, engulfed, fast)
        lingering = _switched(_m1_cells(4000, 30.0), inflammation, engulfed, slow)
        assert lingering < 0.6 * quick, (inflammation, engulfed)


def test_m1_macrophages_keep_calling_neutrophils_after_the_injury_window() -> None:
    brief = {"skin.immune.neutrophil_window_h": 2.0}  # the injury's call is over within a day

    def late_neutrophils(**over: object) -> float:
        m = simulate(short(6.0, **brief, **over), seed=0)
        return float(m.loc[m["time_h"] >= 100.0, "n_neutrophils"].sum())

    m1_hours = PARAMETERS["skin.immune.macrophage_m1_duration_h"].default
    assert late_neutrophils(**{"skin.immune.m1_neutrophil_chemokine": 0.0}) == 0.0
    called = late_neutrophils()
    assert called > 0.0
    assert late_neutrophils(**{"skin.immune.macrophage_m1_duration_h": 4 * m1_hours}) > 1.5 * called


def test_m2_growth_factors_speed_re_epithelialisation() -> None:
    with_m2 = simulate(short(8.0), seed=0)["wound_closure_pct"].iloc[-1]
    without = simulate(short(8.0, **{"skin.m2_growth_factor_boost": 0.0}), seed=0)["wound_closure_pct"].iloc[-1]
    assert with_m2 > without + 1.0


def test_populations_are_tens_to_hundreds_of_cells() -> None:
    m = simulate(short(16.0), seed=0)
    for column in ("n_neutrophils", "n_macrophages", "n_fibroblasts", "n_myofibroblasts"):
        assert 30 <= m[column].max() <= 5000, column


def test_more_cytokine_means_more_inflammation_and_slower_closure() -> None:
    lo = simulate(short(8.0, **{"skin.immune.cytokine_rate": 0.5 * PARAMETERS["skin.immune.cytokine_rate"].default}), 0)
    hi = simulate(short(8.0, **{"skin.immune.cytokine_rate": 2.0 * PARAMETERS["skin.immune.cytokine_rate"].default}), 0)
    assert hi["mean_infl_wound"].max() > 1.1 * lo["mean_infl_wound"].max()
    assert hi["wound_closure_pct"].iloc[-1] < lo["wound_closure_pct"].iloc[-1]


# --------------------------------------------------------------------------- fibroblasts, perfusion, scar
def test_myofibroblasts_only_after_their_delay() -> None:
    delay = PARAMETERS["skin.fibroblast.myofibroblast_delay_h"].default
    for st in iterate(short(9.0), seed=0):
        cells = st.fibroblasts
        myo = cells.state == fibroblast.MYOFIBROBLAST
        if myo.any():
            assert st.t >= delay and (cells.age[myo] >= delay).all()
    longer = short(9.0, **{"skin.fibroblast.myofibroblast_delay_h": 300.0})
    assert simulate(longer, seed=0)["n_myofibroblasts"].max() == 0


def test_perfusion_waits_for_angiogenesis_delay() -> None:
    m = simulate(short(5.0, **{"skin.perfusion.angio_delay_h": 40.0}), seed=0)
    never = simulate(short(5.0, **{"skin.perfusion.angio_delay_h": 1000.0}), seed=0)
    early = m["time_h"] <= 40
    assert np.allclose(m.loc[early, "mean_perfusion_wound"], never.loc[early, "mean_perfusion_wound"])
    assert m["mean_perfusion_wound"].iloc[-1] > never["mean_perfusion_wound"].iloc[-1] + 0.05


def test_scar_follows_collagen_and_threshold() -> None:
    rate = PARAMETERS["skin.fibroblast.collagen_deposition_rate"].default
    threshold = PARAMETERS["skin.scar.collagen_threshold"].default
    more = simulate(short(25.0, **{"skin.fibroblast.collagen_deposition_rate": 2 * rate}), seed=0)
    mid = simulate(short(25.0), seed=0)
    strict = simulate(short(25.0, **{"skin.scar.collagen_threshold": 2 * threshold}), seed=0)
    assert more["scar_magnitude"].iloc[-1] > mid["scar_magnitude"].iloc[-1] > strict["scar_magnitude"].iloc[-1]


# --------------------------------------------------------------------------- diabetic skin
def test_diabetic_factors_act() -> None:
    normal, diab = short(6.0), short(6.0, "normal", "diabetic_wound", **{"skin.duration_days": 6.0})
    sn, sd = immune.settings(normal), immune.settings(diab)
    assert sd.m1_persistence == 3 * sn.m1_persistence
    assert sd.resolution == pytest.approx(0.3 * sn.resolution)
    assert fibroblast.settings(diab).collagen == pytest.approx(0.4 * fibroblast.settings(normal).collagen)
    mn, md = simulate(normal, seed=0), simulate(diab, seed=0)
    assert md["n_neutrophils"].max() > mn["n_neutrophils"].max()
    assert md["wound_closure_pct"].iloc[-1] < mn["wound_closure_pct"].iloc[-1]
    assert md["mean_mmp_wound"].iloc[-1] > mn["mean_mmp_wound"].iloc[-1]


def test_no_nan_at_sweep_range_corners() -> None:
    d = {p: PARAMETERS[p].default for p in PARAMETERS}
    corners = [
        ("normal", "wound", {"skin.immune.cytokine_rate": 4 * d["skin.immune.cytokine_rate"],
                             "skin.immune.resolution_rate": 0.25 * d["skin.immune.resolution_rate"],
                             "skin.fibroblast.collagen_deposition_rate": 4 * d["skin.fibroblast.collagen_deposition_rate"],
                             "skin.scar.collagen_threshold": 0.0}),
        ("diabetic", "diabetic_wound", {"skin.diabetic.m1_duration_factor": 6.0, "skin.immune.cytokine_rate": 0.0}),
    ]
    for skin, preset, over in corners:
        m = simulate(load_config(skin, preset, {**over, "skin.duration_days": 6.0}), seed=1)
        assert np.isfinite(m.to_numpy(float)).all()
