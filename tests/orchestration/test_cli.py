"""The command line: every bad input is one line, exit code 2, nothing created."""

from __future__ import annotations

import os
import json
from pathlib import Path

import pytest

from skibidy.cli import main

from ..followed import FollowedProcess
from .conftest import SMALL_SWEEP

GOOD = '[sweep]\nparam = "skin.immune.cytokine_rate"\nvalues = [0.001]\n'


def _bad(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    before = sorted(p.name for p in tmp_path.iterdir())
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(argv)
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "something was created"
    return err


@pytest.mark.parametrize(
    ("config", "extra", "needle"),
    [
        (None, [], "not found"),
        ("[sweep\n", [], "not valid TOML"),
        (GOOD + "colour = 1\n", [], "unknown key 'colour'"),
        ("[sweep]\nruns_per_value = 1\n", [], "neither 'param' nor 'params'"),
        (GOOD.replace("cytokine_rate", "cytokine_rat"), [], "did you mean"),
        (GOOD.replace("[0.001]", "[]"), [], "non-empty list"),
        (GOOD.replace("[0.001]", "[0.001, 0.001]"), [], "duplicate values"),
        (GOOD.replace("[0.001]", '["x"]'), [], "skin.immune.cytokine_rate"),
        (GOOD.replace("[0.001]", "[-5.0]"), [], "skin.immune.cytokine_rate"),
        (GOOD + '[outcomes]\nprimary = "closure"\n', [], "unknown outcome metric 'closure'"),
        (GOOD + '[outcomes]\nmeasure = "median"\n', [], "valid measures: final, peak, min, mean, auc"),
        (GOOD + '[outcomes]\nmeasure = "time_to_"\n', [], "needs a threshold number"),
        (GOOD + 'skin = "young"\n', [], "unknown skin 'young'"),
        (GOOD + 'preset = "burn"\n', [], "unknown preset 'burn'"),
        (GOOD, ["-n", "0"], "-n must be at least 1"),
        (GOOD, ["--set", "skin.nope=1"], "unknown parameter"),
        (GOOD, ["--set", "skin.duration_days=soon"], "skin.duration_days"),
        (GOOD, ["--set", "skin.duration_days"], "PATH=VALUE"),
        (GOOD, ["--scheduler", "tcp://127.0.0.1:9", "--timeout", "1"], "cannot reach the Dask scheduler"),
    ],
)
def test_sweep_bad_input(config, extra, needle, capsys, tmp_path: Path) -> None:
    path = "missing.toml"
    if config is not None:
        (tmp_path / "cfg.toml").write_text(config)
        path = "cfg.toml"
    err = _bad(["sweep", path, "--out", "out", *extra], capsys, tmp_path)
    assert needle in err


def test_malformed_toml_names_the_line(capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text('[sweep]\nparam = "a"\nvalues = [1,, 2]\nruns_per_value = 2\n')
    assert "line 3" in _bad(["sweep", "cfg.toml"], capsys, tmp_path)


def test_existing_output_dir_of_another_kind_is_refused(capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(GOOD)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    err = _bad(["sweep", "cfg.toml", "--out", "out"], capsys, tmp_path)
    assert "exists and is not empty" in err
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_dir(capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert "cannot write" in _bad(["sweep", "cfg.toml", "--out", "locked/out"], capsys, tmp_path)
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("command", [["sweep", "cfg.toml"], ["batch"]])
def test_out_naming_an_existing_file_says_it_is_a_file(command, capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(GOOD)
    (tmp_path / "afile").write_text("x")
    err = _bad([*command, "--out", "afile"], capsys, tmp_path)
    assert "'afile' is a file, not a directory" in err
    assert (tmp_path / "afile").read_text() == "x"


def test_sweep_validate_and_batch_analyze_are_the_same_option() -> None:
    from skibidy.cli import build_parser

    parser = build_parser()
    for argv in (["sweep", "c.toml", "--validate"], ["sweep", "c.toml", "--analyze"],
                 ["batch", "--validate"], ["batch", "--analyze"]):
        assert parser.parse_args(argv).analyze is True, argv


def test_batch_help_describes_the_defaults_of_a_batch(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "results/consensus_<skin>_<preset>_<timestamp>/" in text
    assert "[cluster]" not in text and "in the config" not in text
    assert "--trust-config-cluster" not in text


def test_unwritable_output_dir_under_a_file(capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(GOOD)
    (tmp_path / "afile").write_text("x")
    assert "cannot write" in _bad(["sweep", "cfg.toml", "--out", "afile/out"], capsys, tmp_path)


def test_resume_of_a_non_result_dir(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "not a results directory" in _bad(["sweep", "--resume", "empty"], capsys, tmp_path)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["batch", "-n", "0"], "at least 1"),
        (["batch", "--skin", "young"], "unknown skin 'young'"),
        (["batch", "--preset", "burn"], "unknown preset 'burn'"),
        (["batch", "--set", "skin.duration_dayz=1"], "did you mean"),
        (["batch", "--set", "skin.duration_days=-1"], "skin.duration_days"),
        (["batch", "--scheduler", "tcp://127.0.0.1:9", "--timeout", "0.5"], "cannot reach"),
        (["analyze", "nowhere"], "not found"),
        (["sweep"], "give a sweep config"),
    ],
)
def test_other_bad_input(argv, needle, capsys, tmp_path: Path) -> None:
    assert needle in _bad(argv, capsys, tmp_path)


@pytest.mark.cluster
def test_cli_sweep_and_analyze(cluster, capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(SMALL_SWEEP)
    out = tmp_path / "out"
    code = main(["sweep", str(tmp_path / "cfg.toml"), "--out", str(out), "--scheduler",
                 cluster.scheduler_address, "--no-progress"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and lines[-1] == f"Results: {out}"
    (out / "summary.csv").unlink()
    assert main(["analyze", str(out)]) == 0
    assert (out / "summary.csv").exists()
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"Results: {out}"


@pytest.mark.cluster
def test_cli_same_out_dir_continues_not_overwrites(cluster, capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(SMALL_SWEEP)
    out = str(tmp_path / "out")
    args = ["sweep", str(tmp_path / "cfg.toml"), "--out", out, "--scheduler", cluster.scheduler_address, "--no-progress"]
    assert main(args) == 0
    assert main(args) == 0
    assert "nothing to compute" in capsys.readouterr().out
    (tmp_path / "cfg2.toml").write_text(SMALL_SWEEP.replace("0.002", "0.003"))
    code = main(["sweep", str(tmp_path / "cfg2.toml"), "--out", out, "--no-progress"])
    assert code == 2 and "different sweep" in capsys.readouterr().err


@pytest.mark.cluster
def test_cli_batch(cluster, capsys, tmp_path: Path) -> None:
    out = tmp_path / "b"
    code = main(["batch", "-n", "2", "--set", "skin.duration_days=0.25", "--set", "skin.metrics_interval_h=1", "--out", str(out),
                 "--scheduler", cluster.scheduler_address, "--no-progress", "--validate"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for name in ("metrics.csv", "consensus.csv", "raw/run_001.csv", "config.toml", "validation.png"):
        assert (out / name).exists(), name
    assert "Literature validation" in captured.out
    closure_line = next(line for line in captured.out.splitlines() if line.startswith("closure_rmse "))
    reported = json.loads((out / "validation.json").read_text())["closure_rmse"]
    assert float(closure_line.split()[1]) == pytest.approx(reported, abs=5e-4)


def test_a_directory_interrupted_before_its_cube_starts_afresh(tmp_path: Path) -> None:
    import json

    from orchestration.api import plan_output
    from orchestration.spec import parse_sweep

    spec = parse_sweep(GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.toml").write_text(GOOD)
    (out / "spec.json").write_text(json.dumps(spec.to_dict()))
    assert plan_output(spec, out) == (spec, out, False)
    other = parse_sweep(GOOD.replace("0.001", "0.002"))
    with pytest.raises(Exception, match="not empty"):
        plan_output(other, out)


@pytest.mark.cluster
def test_sweep_validate_writes_the_validation(cluster, capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(SMALL_SWEEP)
    out = tmp_path / "out"
    code = main(["sweep", str(tmp_path / "cfg.toml"), "--out", str(out), "--scheduler",
                 cluster.scheduler_address, "--no-progress", "--validate"])
    assert code == 0, capsys.readouterr().err
    assert len(json.loads((out / "validation.json").read_text())) == 4  # one entry per point
    assert "Literature validation" in capsys.readouterr().out


@pytest.mark.cluster
def test_resume_of_a_finished_sweep_starts_no_cluster(cluster, capsys, tmp_path: Path) -> None:
    (tmp_path / "cfg.toml").write_text(SMALL_SWEEP)
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "cfg.toml"), "--out", str(out), "--scheduler",
                 cluster.scheduler_address, "--no-progress"]) == 0
    summary = (out / "summary.csv").read_text()
    (out / "summary.csv").unlink()  # a product lost: the resume writes it again
    capsys.readouterr()
    # No --scheduler: a cluster would have to be a LocalCluster, and none is started.
    assert main(["sweep", "--resume", str(out), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "all 8 runs" in captured.out and "nothing to compute" in captured.out
    assert "Dask:" not in captured.err, captured.err
    assert captured.out.strip().splitlines()[-1] == f"Results: {out}"
    assert (out / "summary.csv").read_text() == summary


@pytest.mark.slow
def test_ctrl_c_to_the_whole_process_group_prints_no_worker_traceback(write_config, tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches every process of its foreground group: the sweep and the
    worker processes of its LocalCluster. Only the sweep's own message may appear."""
    import signal
    import subprocess
    import sys

    cfg = write_config(SMALL_SWEEP)
    out = tmp_path / "o"
    sweep = FollowedProcess(
        [sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(out), "--workers", "2"],
        env={**os.environ, "SKIBIDY_FAULT_DELAY": "0.5"},
        stdin=subprocess.DEVNULL, start_new_session=True,  # its own group, as in a terminal
    )
    try:
        sweep.wait_for(r"ok=[1-6]\b", timeout=120)  # runs received, more in flight
        os.killpg(sweep.proc.pid, signal.SIGINT)
        returncode, stdout, stderr = sweep.finish(timeout=60)
    finally:
        if sweep.proc.poll() is None:
            os.killpg(sweep.proc.pid, signal.SIGKILL)
    assert returncode == 130, stderr
    assert "Interrupted by SIGINT" in stderr and f"Resume with: skibidy sweep --resume {out}" in stdout
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
