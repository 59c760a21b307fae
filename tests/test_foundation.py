"""The package installs, its console command works, and the README matches CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from skibidy.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1]
    return re.findall(r"```bash\n(.+?)\n```", quick)[:2]


def test_readme_quick_start_has_two_commands() -> None:
    main_job, test_command = _readme_commands()
    assert "skibidy sweep configs/" in main_job
    assert "pytest" in test_command


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test_command = _readme_commands()
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_main_job_config_exists() -> None:
    main_job, _ = _readme_commands()
    config = re.search(r"skibidy sweep (\S+)", main_job).group(1)
    assert (ROOT / config).is_file()


@pytest.mark.parametrize("command", [
    "run", "params", "validate", "batch", "sweep", "analyze", "verify",
    "serve", "submit", "jobs", "status", "attach", "cancel", "fetch",
])
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert command in capsys.readouterr().out


def test_python_dash_m_runs_the_same_cli() -> None:
    for module in ("skibidy", "orchestration"):
        out = subprocess.run(
            [sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=True
        ).stdout
        assert "sweep" in out and "run" in out


def test_unknown_option_is_a_bad_input_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert "--no-such-option" in err and "Traceback" not in err


def test_readme_simulator_example_runs() -> None:
    """The Python example of the README's simulator section runs as written."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## The simulator", 1)[1]
    code = re.search(r"```python\n(.+?)\n```", section, re.S).group(1)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    metrics = namespace["metrics"]
    assert metrics["wound_closure_pct"].iloc[-1] > metrics["wound_closure_pct"].iloc[0]


def test_cluster_tests_fail_rather_than_skip_without_pyyaml() -> None:
    """A missing test dependency must not turn the cluster tests into a silent skip."""
    code = (
        "import sys; sys.modules['yaml'] = None; import pytest; "
        "sys.exit(pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', 'tests/cluster']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr  # a plugin that needs yaml fails before collection, on stderr
    assert proc.returncode not in (0, 5), output[-2000:]
    assert "ModuleNotFoundError" in output or "ImportError" in output, output[-2000:]
    assert "skipped" not in (proc.stdout.strip().splitlines() or [""])[-1]
