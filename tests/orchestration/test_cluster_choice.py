"""Where runs execute: --scheduler > [cluster] > Dask config / env > LocalCluster."""

from __future__ import annotations

import dask
import pytest

from orchestration.cluster import ClusterError, choose
from orchestration.trust import UntrustedConfig


def test_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        assert choose().address is None and choose().source == "local"
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://env:8786")
        assert choose().address == "tcp://env:8786"
        table = {"scheduler": "tcp://table:8786"}
        assert choose(config_cluster=table, trust_config=True).address == "tcp://table:8786"
        with pytest.raises(UntrustedConfig, match="--trust-config-cluster"):
            choose(config_cluster=table)  # a config alone does not choose the scheduler
        assert choose("tcp://cli:8786", table).address == "tcp://cli:8786"
    with dask.config.set({"scheduler-address": "tcp://conf:8786"}):
        assert choose().address == "tcp://conf:8786"


def test_bare_host_port_gets_tcp_and_junk_is_refused() -> None:
    assert choose("localhost:8786").address == "tcp://localhost:8786"
    with pytest.raises(ClusterError, match="tcp://HOST:PORT"):
        choose("localhost")
    with pytest.raises(ClusterError, match="not a Dask protocol"):
        choose("http://localhost:8786")


def test_local_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        c = choose(workers=3, timeout=5)
        assert (c.address, c.workers, c.timeout) == (None, 3, 5.0)
        assert choose(config_cluster={"workers": 2}).workers == 2
