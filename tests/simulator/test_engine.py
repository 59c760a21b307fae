"""simulate(): shape, determinism, and each module's key rule."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skibidy import METRIC_COLUMNS, load_config, output_times, simulate
from skibidy.engine import iterate
from skibidy.model import fibroblast, immune
from skibidy.model.immune import M1, M2


def short(days: float, skin: str = "normal", preset: str = "wound", **over: object):
    return load_config(skin, preset, {"skin.duration_days": days, **over})


def test_frame_shape_columns_and_times() -> None:
    m = simulate(short(1.0), seed=0)
    assert list(m.columns) == list(METRIC_COLUMNS)
    assert list(m["time_h"]) == [0.0, 10.0, 20.0]
    assert list(m["step"]) == [0, 100, 200]
    assert np.allclose(m["time_days"], m["time_h"] / 24)


@pytest.mark.parametrize(
    ("days", "over"),
    [(0.85, {}), (0.01, {}), (1.0, {"skin.time_step_h": 0.5}), (0.86, {"skin.time_step_h": 0.2}),
     (2.0, {"skin.metrics_interval_h": 6.0})],
)
def test_output_times_are_the_rows_simulate_writes(days: float, over: dict) -> None:
    config = short(days, **over)
    assert simulate(config, seed=0)["time_h"].tolist() == output_times(config).tolist()


def test_tiny_run_is_cheap_and_finite() -> None:
    import time

    cfg = short(0.25)
    t = time.perf_counter()
    m = simulate(cfg, seed=3)
    assert time.perf_counter() - t < 1.0
    assert len(m) == 1 and np.isfinite(m.to_numpy(float)).all()


def test_same_seed_is_bit_identical_and_seeds_differ() -> None:
    cfg = short(3.0)
    a, b = simulate(cfg, seed=5), simulate(cfg, seed=5)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = simulate(cfg, seed=6)
    assert not a.equals(c)


def test_bit_identical_across_processes() -> None:
    code = (
        "import skibidy,sys;"
        "m=skibidy.simulate(skibidy.load_config(overrides={'skin.duration_days':2.0}),seed=11);"
        "sys.stdout.write(m.to_csv(float_format='%.17g'))"
    )
    import os

    # a fresh process with single-threaded BLAS, as on a Dask worker
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    here = simulate(load_config(overrides={"skin.duration_days": 2.0}), seed=11).to_csv(float_format="%.17g")
    assert out == here


def test_nothing_preset_has_all_wound_metrics_zero() -> None:
    m = simulate(load_config("normal", "nothing"), seed=0)
    assert len(m) == 30
    assert (m[list(METRIC_COLUMNS[3:])] == 0).all().all()


def test_neutrophil_waves_arrive_on_time() -> None:
    cfg = short(1.5)
    counts = {round(st.t): len(st.neutrophils) for st, _ in iterate(cfg, seed=0)}
    # waves at 2, 14, 26 h with 3, 3, 4 cells (10 rim slots)
    assert counts[1] == 0 and counts[2] == 3
    assert counts[13] <= 3 and counts[14] >= 4
    assert counts[26] > counts[25]


def test_diabetic_neutrophil_waves_are_more_and_longer() -> None:
    s = next(iterate(short(0.1, "diabetic", "diabetic_wound"), seed=0))[1]
    assert len(s.neutrophil_wave_h) == 6 and sum(s.neutrophil_wave_n) == 18
    assert s.neutrophil_wave_h[-1] == pytest.approx(2 + 5 * 14.4)


def test_m1_to_m2_switch_rule_each_route() -> None:
    s = next(iterate(short(0.1), seed=0))[1]
    age = np.array([10.0, 40.0, 40.0, 100.0, 10.0])
    infl = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    engulfed = np.array([False, False, False, False, True])
    got = immune.m1_to_m2(age, infl, engulfed, s)
    assert list(got) == [False, False, True, True, True]


def _first_m2_age(cfg) -> float | None:  # type: ignore[no-untyped-def]
    for st, _ in iterate(cfg, seed=1):
        mac = st.macrophages
        if len(mac) and (mac.state == M2).any():
            return float(mac.age[mac.state == M2].max())
    return None


def test_m1_switches_by_timer() -> None:
    cfg = short(4.0, **{"skin.immune.efferocytosis_enabled": False, "skin.immune.m1_transition_threshold": 0.0,
                        "skin.immune.macrophage_m1_duration_h": 20.0})
    age = _first_m2_age(cfg)
    assert age is not None and 20.0 < age <= 22.0


def test_m1_switches_by_low_inflammation_after_min_age() -> None:
    cfg = short(4.0, **{"skin.immune.efferocytosis_enabled": False, "skin.immune.m1_transition_threshold": 1e3,
                        "skin.immune.m1_transition_min_age_h": 6.0})
    age = _first_m2_age(cfg)
    assert age is not None and 6.0 < age <= 8.0


def test_m1_switches_by_efferocytosis_of_aged_neutrophils() -> None:
    cfg = short(3.0, **{"skin.immune.efferocytosis_age_fraction": 0.0, "skin.immune.m1_transition_threshold": 0.0,
                        "skin.immune.macrophage_m1_duration_h": 500.0})
    age = _first_m2_age(cfg)
    assert age is not None and age < 3.0
    off = short(3.0, **{"skin.immune.efferocytosis_enabled": False, "skin.immune.m1_transition_threshold": 0.0,
                        "skin.immune.macrophage_m1_duration_h": 500.0})
    assert _first_m2_age(off) is None


def test_myofibroblasts_only_after_their_delay() -> None:
    cfg = short(9.0)
    s = None
    for st, s in iterate(cfg, seed=0):
        fib = st.fibroblasts
        myo = fib.state == fibroblast.MYO
        if myo.any():
            # activation (>= 1 h after the first wave) + the myofibroblast delay
            assert st.t >= s.fib_wave_h[0] + s.myo_delay
    assert s is not None
    longer = short(9.0, **{"skin.fibroblast.myofibroblast_delay_h": 300.0})
    assert simulate(longer, seed=0)["n_myofibroblasts"].max() == 0


def test_diabetic_factors_act() -> None:
    normal = short(4.0)
    diab = short(4.0, "normal", "diabetic_wound", **{"skin.duration_days": 4.0})
    sn = next(iterate(normal, seed=0))[1]
    sd = next(iterate(diab, seed=0))[1]
    assert sd.m1_duration == 3 * sn.m1_duration
    assert sd.resolution == pytest.approx(0.3 * sn.resolution)
    assert sd.collagen_rate == pytest.approx(0.4 * sn.collagen_rate)
    assert sd.kc_speed == pytest.approx(0.45 * sn.kc_speed)
    assert sd.prolif_factor == 0.5 and sd.baseline_infl > 0 and sd.ip_sensitivity == 2.0
    mn, md = simulate(normal, seed=0), simulate(diab, seed=0)
    assert md["n_neutrophils"].max() > mn["n_neutrophils"].max()
    assert md["wound_closure_pct"].iloc[-1] < mn["wound_closure_pct"].iloc[-1]
    assert md["mean_mmp_wound"].iloc[-1] > mn["mean_mmp_wound"].iloc[-1]


def test_closure_rises_as_a_front_from_the_margin() -> None:
    cfg = short(6.0)
    for st, s in iterate(cfg, seed=0):
        pass
    g = st.grid
    column = (st.basal * s.cell_d + st.thickness)[g.wound]
    dist = g.dist[g.wound]
    outer = column[dist > 0.7 * s.radius].mean()
    inner = column[dist < 0.3 * s.radius].mean()
    assert g.n_wound > 150 and outer > inner


def test_perfusion_waits_for_angiogenesis_delay() -> None:
    m = simulate(short(4.0, **{"skin.perfusion.angio_delay_h": 40.0}), seed=0)
    never = simulate(short(4.0, **{"skin.perfusion.angio_delay_h": 1000.0}), seed=0)
    early = m["time_h"] < 40
    # before the delay only lateral diffusion from the intact margin brings perfusion in
    assert np.allclose(m.loc[early, "mean_perfusion_wound"], never.loc[early, "mean_perfusion_wound"])
    assert m["mean_perfusion_wound"].iloc[-1] > never["mean_perfusion_wound"].iloc[-1] + 0.1


def test_more_cytokine_means_more_inflammation() -> None:
    lo = simulate(short(3.0, **{"skin.immune.cytokine_rate": 0.0005}), seed=0)
    hi = simulate(short(3.0, **{"skin.immune.cytokine_rate": 0.003}), seed=0)
    assert hi["mean_infl_wound"].max() > 1.3 * lo["mean_infl_wound"].max()


def test_scar_follows_collagen_and_threshold() -> None:
    base = {"skin.fibroblast.collagen_deposition_rate": 0.008}
    more = simulate(short(16.0, **{"skin.fibroblast.collagen_deposition_rate": 0.016}), seed=0)
    mid = simulate(short(16.0, **base), seed=0)
    strict = simulate(short(16.0, **base, **{"skin.scar.collagen_threshold": 0.5}), seed=0)
    assert more["scar_magnitude"].iloc[-1] > mid["scar_magnitude"].iloc[-1] > strict["scar_magnitude"].iloc[-1]


def test_no_nan_at_sweep_range_corners() -> None:
    corners = [
        ("normal", "wound", {"skin.immune.cytokine_rate": 0.003, "skin.immune.resolution_rate": 0.014,
                             "skin.fibroblast.collagen_deposition_rate": 0.016, "skin.scar.collagen_threshold": 0.05}),
        ("diabetic", "diabetic_wound", {"skin.diabetic.m1_duration_factor": 5.0, "skin.immune.cytokine_rate": 0.0005}),
    ]
    for skin, preset, over in corners:
        m = simulate(load_config(skin, preset, {**over, "skin.duration_days": 6.0}), seed=1)
        assert np.isfinite(m.to_numpy(float)).all()
