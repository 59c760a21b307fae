"""Measures reduce each run over time; statistics come from per-run measures."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from orchestration.outcomes import measure, replicate_stats, t_quantile_975

T = np.array([0.0, 10.0, 20.0, 30.0])


def _runs(rows: list[list[float]]) -> xr.DataArray:
    return xr.DataArray(np.array(rows, dtype=float), dims=("replicate", "time"), coords={"time": T})


def test_final_is_last_valid_value() -> None:
    da = _runs([[1, 2, 3, np.nan], [1, 2, 3, 4], [np.nan] * 4])
    np.testing.assert_array_equal(measure(da, "final").values, [3, 4, np.nan])


def test_peak_auc_and_time_to() -> None:
    da = _runs([[0, 50, 95, np.nan], [0, 10, 20, 30]])
    np.testing.assert_array_equal(measure(da, "peak").values, [95, 30])
    np.testing.assert_allclose(measure(da, "auc").values, [np.trapezoid([0, 50, 95], T[:3]), np.trapezoid([0, 10, 20, 30], T)])
    # interpolated between the rows around the crossing (T = 0, 10, 20, 30 h)
    np.testing.assert_allclose(measure(da, "time_to_90").values, [10 + 10 * 40 / 45, np.nan])
    np.testing.assert_allclose(measure(da, "time_to_10").values, [2, 10])
    np.testing.assert_allclose(measure(da, "time_to_0").values, [0, 0])


def test_mean_of_peaks_is_not_peak_of_mean() -> None:
    da = _runs([[0, 10, 0, 0], [0, 0, 10, 0]])
    assert float(measure(da, "peak").mean()) == 10
    assert float(measure(da.mean("replicate"), "peak")) == 5


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
