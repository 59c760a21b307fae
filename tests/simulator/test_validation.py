"""Validation arithmetic on hand-made inputs, reference curves and the dashboard."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from skibidy import validate
from skibidy.errors import SkibidyError
from skibidy.validation import plot_dashboard, reference_curves


def frame(days, **cols) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame({"time_h": np.asarray(days, float) * 24.0, **cols})


def test_perfect_closure_has_zero_rmse_and_reference_times() -> None:
    ref = reference_curves("normal")["closure_pct"]
    r = validate(frame(ref["day"], wound_closure_pct=ref["value"]))
    assert r.closure_rmse == pytest.approx(0.0)
    assert r.t50_days_ref == pytest.approx(7.75, abs=0.01)
    assert r.t90_days_ref == pytest.approx(17.5, abs=0.01)
    assert r.t50_days_sim == pytest.approx(7.75)


def test_closure_rmse_by_hand_with_clamping_and_phases() -> None:
    # day 0 ref 0, day 1 ref 5, day 40 ref clamped to 100
    r = validate(frame([0, 1, 40], wound_closure_pct=[10.0, 5.0, 90.0]))
    assert r.closure_rmse == pytest.approx(math.sqrt((100 + 0 + 100) / 3))
    assert r.closure_max_abs_error == pytest.approx(10.0)
    assert r.closure_rmse_inflammatory == pytest.approx(math.sqrt(50))
    assert r.closure_rmse_remodeling is None


def test_peak_and_end_normalisation() -> None:
    days = [0, 2, 12, 28]
    r = validate(frame(days, mean_infl_wound=[0.0, 4.0, 0.0, 0.0], n_myofibroblasts=[0, 0, 7, 0],
                       mean_collagen_wound=[0.0, 0.0, 0.5, 2.0]))
    # inflammation/peak = [0, 1, 0, 0] vs reference [0, 1, 0.08*.. interpolated at 12, 0.02]
    ref_i = np.interp(days, reference_curves()["inflammation"]["day"], reference_curves()["inflammation"]["value"])
    assert r.inflammation_rmse_pct == pytest.approx(100 * np.sqrt(np.mean((np.array([0, 1, 0, 0]) - ref_i) ** 2)))
    assert r.myofibroblasts_rmse_pct == pytest.approx(100 * np.sqrt(np.mean((np.array([0, 0, 1, 0]) - [0, 0, 1, 0.1]) ** 2)))
    assert r.collagen_rmse_pct == pytest.approx(100 * np.sqrt(np.mean((np.array([0, 0, 0.25, 1]) - np.interp(days, [0, 3, 5, 7, 10, 14, 18, 21, 24, 28], [0, 0, .02, .08, .18, .35, .55, .72, .88, 1])) ** 2)))


def test_no_myofibroblasts_means_no_fibroblast_figures() -> None:
    r = validate(frame([0, 5], n_myofibroblasts=[0, 0], mean_collagen_wound=[0.0, 0.0]))
    assert r.myofibroblasts_rmse_pct is None and r.collagen_rmse_pct is None


def test_time_to_closure_interpolates_and_can_be_missing() -> None:
    r = validate(frame([0, 10, 20], wound_closure_pct=[0.0, 40.0, 80.0]))
    assert r.t50_days_sim == pytest.approx(12.5)
    assert r.t90_days_sim is None


def test_diabetic_reference_and_bad_condition() -> None:
    curves = reference_curves("diabetic")
    assert "myofibroblasts" not in curves and curves["closure_pct"]["value"].iloc[-1] == 95
    r = validate(frame([0, 28], wound_closure_pct=[0.0, 95.0]), "diabetic")
    assert r.closure_rmse == pytest.approx(0.0)
    with pytest.raises(SkibidyError):
        validate(frame([0], wound_closure_pct=[0.0]), "martian")


def test_report_to_dict_and_dashboard(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ref = reference_curves("normal")["closure_pct"]
    m = frame(ref["day"], wound_closure_pct=ref["value"])
    d = validate(m).to_dict()
    assert d["condition"] == "normal" and "closure_rmse" in d
    out = plot_dashboard(m, "normal", tmp_path / "sub" / "dash.png")
    assert out.stat().st_size > 10_000 and out.read_bytes()[:4] == b"\x89PNG"


def test_import_does_not_load_matplotlib() -> None:
    import subprocess
    import sys

    code = "import skibidy, skibidy.validation, sys; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
