"""Client/cluster version mismatches become one clear warning or error."""

from __future__ import annotations

import copy
import warnings
from typing import Any, Iterator

import pytest

from orchestration.versions import (
    ClusterVersionError,
    ClusterVersionWarning,
    check_versions,
    find_mismatches,
    mismatch_message,
)

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture
def versions(client: Any) -> dict[str, Any]:
    """A real report from a matching cluster, to be altered by each test."""
    return copy.deepcopy(client.get_versions(packages=["dask", "distributed", "numpy", "skibidy"]))


def _workers(versions: dict[str, Any]) -> list[dict[str, Any]]:
    return [report["packages"] for report in versions["workers"].values()]


def test_matching_cluster_passes_silently(client: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_versions(client) == []


def test_numpy_mismatch_is_one_warning_naming_package_versions_and_fix(
    client: Any, versions: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for packages in _workers(versions):
        packages["numpy"] = "1.26.4"
    monkeypatch.setattr(client, "get_versions", lambda packages=None: versions)
    with pytest.warns(ClusterVersionWarning) as record:
        mismatches = check_versions(client)
    assert [m.package for m in mismatches] == ["numpy"]
    assert len(record) == 1
    message = str(record[0].message)
    assert "numpy" in message and "1.26.4 on 2 workers" in message
    assert "docker compose build" in message


def test_skibidy_mismatch_is_an_error(client: Any, versions: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _workers(versions)[0]["skibidy"] = None
    monkeypatch.setattr(client, "get_versions", lambda packages=None: versions)
    with pytest.raises(ClusterVersionError, match="skibidy: .* not installed on worker"):
        check_versions(client)


def test_python_minor_mismatch_is_an_error_but_patch_level_is_not(versions: dict[str, Any]) -> None:
    client_python = versions["client"]["packages"]["python"]
    major, minor, *_ = client_python.split(".")
    versions["scheduler"]["packages"]["python"] = f"{major}.{minor}.99.final.0"
    assert find_mismatches(versions) == []
    versions["scheduler"]["packages"]["python"] = f"{major}.{int(minor) + 1}.0.final.0"
    (mismatch,) = find_mismatches(versions)
    assert mismatch.package == "python" and "on scheduler" in mismatch.describe()


def test_strict_turns_warnings_into_errors(client: Any, versions: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    versions["scheduler"]["packages"]["distributed"] = "2000.1.0"
    monkeypatch.setattr(client, "get_versions", lambda packages=None: versions)
    with pytest.raises(ClusterVersionError, match="distributed: .*2000.1.0 on scheduler"):
        check_versions(client, strict=True)


def test_scheduler_numpy_is_not_compared(versions: dict[str, Any]) -> None:
    versions["scheduler"]["packages"]["numpy"] = None  # a scheduler-only image may lack numpy
    assert find_mismatches(versions) == []


def test_several_mismatches_make_a_single_message(versions: dict[str, Any]) -> None:
    versions["scheduler"]["packages"]["dask"] = "2000.1.0"
    _workers(versions)[1]["numpy"] = "1.26.4"
    message = mismatch_message(find_mismatches(versions))
    assert message.count("\n  ") == 2
    assert message.startswith("the client and the Dask cluster run different versions of dask, numpy")
