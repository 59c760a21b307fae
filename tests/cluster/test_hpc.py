"""The [cluster] table is validated with clear errors; SLURM job scripts are built lazily."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestration.hpc import CLUSTER_KEYS, ClusterTable, parse_cluster_table, slurm_cluster
from skibidy.errors import ConfigError, SkibidyError

pytestmark = pytest.mark.cluster

SLURM: dict[str, Any] = {
    "kind": "slurm", "queue": "short", "account": "wounds", "cores": 4, "memory": "8GiB",
    "walltime": "01:30:00", "jobs": 3,
}


def test_slurm_table_defaults_to_one_single_threaded_worker_per_core_and_tls() -> None:
    table = parse_cluster_table(SLURM)
    assert table.kind == "slurm" and table.processes == 4 and table.jobs == 3
    assert table.tls is True


def test_kind_is_inferred_from_the_batch_systems_own_keys() -> None:
    assert parse_cluster_table({"scheduler": "tcp://h:8786", "timeout": 60}).kind == "address"
    assert parse_cluster_table({"workers": 2}).kind == "local"
    assert {"scheduler", "workers", "timeout"} <= CLUSTER_KEYS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "slrum"}, r"kind = 'slrum' is unknown: use one of \"local\", \"address\", \"slurm\""),
        ({"queu": "short"}, r"'queu' is not a setting of kind = \"slurm\".*did you mean queue\?"),
        ({"workers": 8}, r"set jobs"),
        ({"cores": 0}, r"cores must be a whole number >= 1"),
        ({"jobs": True}, r"jobs must be a whole number >= 1"),
        ({"memory": "lots"}, r"memory = 'lots' is not a size"),
        ({"walltime": "90 minutes"}, r"walltime = '90 minutes' is not a SLURM time"),
        ({"processes": 8}, r"processes = 8 exceeds cores = 4"),
        ({"job_extra": "--exclusive"}, r"job_extra must be a list of strings"),
        ({"worker_lifetime": "soon"}, r"worker_lifetime = 'soon' is not a duration"),
        ({"tls": "yes"}, r"tls must be true or false"),
    ],
)
def test_bad_slurm_tables_say_what_to_write(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_cluster_table({**SLURM, **change})


def test_missing_slurm_settings_are_listed() -> None:
    with pytest.raises(ConfigError, match=r"needs memory, walltime, jobs"):
        parse_cluster_table({"kind": "slurm", "cores": 4})


def test_a_key_of_another_kind_names_that_kind() -> None:
    with pytest.raises(ConfigError, match=r"'queue' .* belongs to kind = \"slurm\""):
        parse_cluster_table({"workers": 2, "queue": "short"})


def test_scheduler_address_and_tls_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"use tcp://HOST:PORT or tls://HOST:PORT"):
        parse_cluster_table({"scheduler": "ucx://h:8786"})
    with pytest.raises(ConfigError, match=r"does not use TLS: write tls://h:8786"):
        parse_cluster_table({"scheduler": "tcp://h:8786", "tls_cert": "node.pem"})
    table = parse_cluster_table(
        {"scheduler": "tls://h:8786", "tls_ca_file": "certs/ca.pem", "tls_cert": "/abs/node.pem"},
        base_dir=tmp_path,
    )
    assert table.tls_ca_file == str(tmp_path / "certs" / "ca.pem") and table.tls_cert == "/abs/node.pem"


def test_missing_dask_jobqueue_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask_jobqueue", None)  # import fails as if not installed
    with pytest.raises(SkibidyError, match=r'needs dask-jobqueue.*pip install "skibidy\[hpc\]"'):
        slurm_cluster(parse_cluster_table(SLURM))


def test_slurm_cluster_needs_a_slurm_table() -> None:
    with pytest.raises(SkibidyError, match='kind = "slurm"'):
        slurm_cluster(ClusterTable(kind="local"))


def test_job_script_carries_the_table_without_submitting(tmp_path: Path) -> None:
    pytest.importorskip("dask_jobqueue")
    table = parse_cluster_table({
        **SLURM, "job_extra": ["--exclusive"], "python": "/opt/env/bin/python",
        "worker_lifetime": "85m", "shared_directory": str(tmp_path),
    })
    cluster = slurm_cluster(
        table, scheduler_options={"host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"}
    )
    try:
        script = cluster.job_script()
        assert cluster.workers == {}  # nothing was submitted
        assert cluster.scheduler_address.startswith("tls://")
        key = re.search(r"--tls-key (\S+)", script)[1]
        assert Path(key).parent == tmp_path and stat.S_IMODE(Path(key).stat().st_mode) == 0o600
    finally:
        cluster.close()
    for directive in ("#SBATCH -p short", "#SBATCH -A wounds", "#SBATCH --cpus-per-task=4",
                      "#SBATCH -t 01:30:00", "#SBATCH --exclusive", "#SBATCH --mem=8G"):
        assert directive in script
    assert "/opt/env/bin/python -m distributed.cli.dask_worker tls://127.0.0.1:" in script
    assert "--nworkers 4" in script and "--nthreads 1" in script
    assert "--lifetime 85m" in script


def test_tls_can_be_turned_off(tmp_path: Path) -> None:
    pytest.importorskip("dask_jobqueue")
    table = parse_cluster_table({**SLURM, "tls": False})
    cluster = slurm_cluster(table, scheduler_options={"host": "127.0.0.1", "dashboard_address": "127.0.0.1:0"})
    try:
        assert cluster.scheduler_address.startswith("tcp://") and "--tls" not in cluster.job_script()
    finally:
        cluster.close()
