"""Bad input found by issue 12 (findings 8 and 9): one line, exit code 2, nothing started.

Each case runs the real ``skibidy`` command in a subprocess, in an empty directory, and
must end within seconds (no cluster starts, no template is built) with one line on
stderr that names the problem and the fix, exit code 2, and nothing written.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

GOOD = '[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [0.001]\n'
SHORT = '[sweep.set]\n"skin.duration_days" = 0.1\n'
OUTCOME = '[outcomes]\nprimary = "wound_closure_pct"\nmeasure = "{}"\n'


def _skibidy(argv: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "skibidy", *argv], capture_output=True, text=True,
                          timeout=120, cwd=cwd, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - started


def _refused(argv: list[str], cwd: Path) -> str:
    before = sorted(p.name for p in cwd.iterdir())
    proc, elapsed = _skibidy(argv, cwd)
    err = proc.stderr
    assert proc.returncode == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and not proc.stdout
    assert sorted(p.name for p in cwd.iterdir()) == before, "something was written"
    assert elapsed < 30, f"took {elapsed:.0f} s: work started before the input was checked"
    return err


@pytest.mark.parametrize(
    ("config", "extra", "needle"),
    [
        # finding 8: promises about exits
        (GOOD, ["--timeout", "nan"], "--timeout must be a positive, finite number of seconds, got nan"),
        (GOOD, ["--timeout", "inf"], "--timeout must be a positive, finite number of seconds, got inf"),
        (GOOD, ["--run-timeout", "0"], "--run-timeout must be a positive, finite number of seconds"),
        (GOOD, ["--scheduler", "http://127.0.0.1:8786"], "uses http://, which is not a Dask protocol"),
        (GOOD.replace("values = [0.001]", "values = [%s]" % ", ".join(f"{0.001 + i * 1e-6:.6f}" for i in range(1000)))
         + "runs_per_value = 1000000000\n", [], "split it into several sweeps"),
        (GOOD + "runs_per_value = 10000000\n" + SHORT, ["--no-raw"], "more than 100,000; add --yes"),
        # finding 9: silently ignored input
        (GOOD, ["--set", "skin.immune.cytokine_rate=0.5"], "--set skin.immune.cytokine_rate fixes a parameter the config sweeps"),
        ('[sweep]\nparam = "skin"\nvalues = ["normal", "diabetic"]\nskin = "aged"\n', [],
         "[sweep] skin = 'aged' has no effect because skin is also swept"),
        ('[sweep]\nparam = "preset"\nvalues = ["wound"]\npreset = "wound"\n', [],
         "[sweep] preset = 'wound' has no effect because preset is also swept"),
        (GOOD + OUTCOME.format("time_to_150"), [], "wound_closure_pct is a percentage and never exceeds 100"),
        (GOOD + OUTCOME.format("time_to_-5"), [], "a threshold of 0 or less is reached at once"),
        (GOOD + OUTCOME.format("time_to_1e999"), [], "the threshold 1e999 is not a finite number"),
    ],
    ids=["timeout-nan", "timeout-inf", "run-timeout-0", "scheduler-http", "grid-1e12",
         "grid-1e7-without-yes", "set-on-swept", "skin-and-skin-axis", "preset-and-preset-axis",
         "time_to_150-on-percent", "time_to_-5", "time_to_1e999"],
)
def test_new_bad_input(config: str, extra: list[str], needle: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "cfg.toml").write_text(config)
    err = _refused(["sweep", str(tmp_path / "cfg.toml"), "--out", "out", *extra], work)
    assert needle in err


def _fresh_cube(directory: Path) -> Path:
    """A results directory whose runs are all still pending (a sweep stopped at once)."""
    import json

    from orchestration.spec import parse_sweep
    from orchestration.store import ResultStore

    spec = parse_sweep(GOOD + "runs_per_value = 2\n" + SHORT, source="cfg.toml")
    directory.mkdir()
    (directory / "spec.json").write_text(json.dumps(spec.to_dict()))
    (directory / "config.toml").write_text(spec.text)
    ResultStore.create(directory, spec)
    return directory


def test_out_with_resume_and_out_inside_results(tmp_path: Path) -> None:
    cube = _fresh_cube(tmp_path / "cube")
    (tmp_path / "cfg.toml").write_text(GOOD)
    err = _refused(["sweep", "--resume", str(cube), "--out", str(tmp_path / "elsewhere")], tmp_path)
    assert "both name the results directory; a resumed run stays where it is: give only --resume DIR" in err
    for inside in (cube / "results.zarr" / "x", cube / "nested"):
        err = _refused(["sweep", str(tmp_path / "cfg.toml"), "--out", str(inside)], tmp_path)
        assert "is inside the results directory" in err and "choose an --out outside it" in err


def test_analyze_says_that_runs_are_pending(tmp_path: Path) -> None:
    cube = _fresh_cube(tmp_path / "cube")
    proc, _ = _skibidy(["analyze", str(cube), "--no-raw"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "2 of 2 runs are still pending" in proc.stdout
    assert f"skibidy sweep --resume {cube}" in proc.stdout
