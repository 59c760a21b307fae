"""The run, params and validate subcommands."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from skibidy.cli import main
from skibidy.commands import parse_assignment


def test_parse_assignment_toml_literal_or_string() -> None:
    assert parse_assignment("a.b=0.5") == ("a.b", 0.5)
    assert parse_assignment("a.b=true") == ("a.b", True)
    assert parse_assignment("a.b=hello") == ("a.b", "hello")


def test_run_writes_metrics_and_validate_reads_them(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    assert main(["run", "--seed", "2", "--set", "skin.duration_days=1", "--out", str(out)]) == 0
    m = pd.read_csv(out / "metrics.csv")
    assert len(m) == 4 and m.shape[1] == 40
    capsys.readouterr()
    assert main(["validate", str(out / "metrics.csv"), "--json", "--out", str(tmp_path / "v")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["condition"] == "normal" and "closure_rmse" in report
    assert (tmp_path / "v" / "dashboard.png").is_file()
    assert main(["validate", str(out / "metrics.csv"), "--condition", "diabetic"]) == 0
    assert "closure_rmse" in capsys.readouterr().out
    assert (out / "dashboard.png").is_file()  # without --out: beside the metrics


def test_run_never_overwrites_an_earlier_run(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    assert main(["run", "--set", "skin.duration_days=0.5", "--out", str(out)]) == 0
    before = (out / "metrics.csv").read_bytes()
    capsys.readouterr()
    assert main(["run", "--seed", "1", "--set", "skin.duration_days=0.5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "metrics.csv' exists" in err and err.count("\n") == 1
    assert (out / "metrics.csv").read_bytes() == before
    (tmp_path / "afile").write_text("x")
    assert main(["run", "--out", str(tmp_path / "afile")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_run_without_out_writes_a_new_folder_each_time(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["run", "--set", "skin.duration_days=0.25"]) == 0
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2 and all(f.name.startswith("run_") for f in folders)
    assert all((f / "metrics.csv").is_file() for f in folders)


def test_output_into_a_closed_pipe_ends_quietly() -> None:
    """``skibidy params | head -5``: the reader goes away; no BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    try:
        proc = subprocess.run([sys.executable, "-m", "skibidy", "params"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141


@pytest.mark.parametrize("bad", ["skin.immune.cytokin_rate=1", "skin.duration_days=abc", "nonsense",
                                 "skin.g1_duration=0"])
def test_bad_set_is_exit_2_with_message(bad: str, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "--set", bad, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_bad_skin_and_missing_metrics_are_exit_2(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "--skin", "martian", "--out", str(tmp_path)]) == 2
    assert main(["validate", str(tmp_path / "none.csv")]) == 2


def test_params_lists_path_value_unit_meaning(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["params", "--skin", "diabetic", "--preset", "diabetic_wound"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("skin.immune.cytokine_rate "))
    assert "a.u./h per cell" in line and "pro-inflammatory" in line
    interval = next(l for l in out.splitlines() if l.startswith("skin.metrics_interval_h "))
    assert interval.endswith("[numerical]")
    assert any(l.startswith("skin.diabetic.mode ") and " true " in l for l in out.splitlines())
