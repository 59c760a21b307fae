"""The store: a template of the whole cube, chunk-buffered writes, data before status."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orchestration.spec import parse_sweep
from orchestration.store import STATUS_ERROR, STATUS_OK, ResultStore, Writer, open_results, run_chunks

SPEC = """
[sweep]
runs_per_value = 3
[[sweep.params]]
param = "skin.immune.cytokine_rate"
values = [0.001, 0.002, 0.003, 0.004]
[[sweep.params]]
param = "skin"
values = ["normal", "aged"]
[sweep.set]
"skin.duration_days" = 1
"""


@pytest.fixture()
def store(tmp_path: Path) -> ResultStore:
    # chunks of one cytokine value: (1, 2, 3)
    return ResultStore.create(tmp_path, parse_sweep(SPEC), runs_per_chunk=6)


def _block(store: ResultStore, value: float) -> np.ndarray:
    return np.full((len(store.time_h), len(store.variables)), value)


def test_chunks_are_contiguous_run_blocks() -> None:
    assert run_chunks((4, 2, 3), target=6) == (1, 2, 3)
    assert run_chunks((4, 2, 3), target=4) == (1, 1, 3)
    assert run_chunks((1000,), target=256) == (256,)


def test_template_is_all_pending_and_nan(store: ResultStore) -> None:
    ds = open_results(store.directory)
    assert (ds.status.values == 0).all()
    assert np.isnan(ds.wound_closure_pct.values).all()
    assert ds.wound_closure_pct.dims == ("cytokine_rate", "skin", "replicate", "time")
    assert store.chunks == (2, 3)  # on disk (point, replicate): one cytokine value, 2 skins x 3
    assert list(store.pending()) == list(range(24))


def test_a_complete_chunk_is_written_at_once_and_leaves_memory(store: ResultStore) -> None:
    writer = Writer(store, store.pending(), flush_every=1e9)
    for r in range(5):
        writer.add(r, _block(store, r), STATUS_OK)
    assert writer.buffered == 5 and (store.status() == 0).all()
    writer.add(5, None, STATUS_ERROR)
    assert writer.buffered == 0
    status = store.status()
    assert list(status[:6]) == [1, 1, 1, 1, 1, 2] and (status[6:] == 0).all()
    ds = open_results(store.directory)
    values = ds.step.values.reshape(24, -1)
    assert values[4, 0] == 4 and np.isnan(values[5]).all()


def test_partial_chunks_flush_and_resume_picks_up_the_rest(store: ResultStore) -> None:
    writer = Writer(store, store.pending(), flush_every=1e9)
    for r in (7, 9, 20):
        writer.add(r, _block(store, r), STATUS_OK)
    writer.flush()
    assert set(np.flatnonzero(store.status() == STATUS_OK)) == {7, 9, 20}
    todo = store.pending()
    assert 7 not in todo and len(todo) == 21
    writer = Writer(ResultStore(store.directory), todo, flush_every=1e9)
    for r in todo:
        writer.add(int(r), _block(store, r), STATUS_OK)
    assert writer.buffered == 0 and (store.status() == STATUS_OK).all()
    np.testing.assert_array_equal(open_results(store.directory).step.values.reshape(24, -1)[:, 0], np.arange(24))


def test_data_is_written_before_status(store: ResultStore, monkeypatch) -> None:
    """A crash between the data and the status leaves the runs pending, never 'ok' without data."""
    writer = Writer(store, store.pending(), flush_every=1e9)
    original = store._arrays["status"]

    class Crash:
        def __getitem__(self, key):
            return original[key]

        def __setitem__(self, key, value):
            raise KeyboardInterrupt

    monkeypatch.setitem(store._arrays, "status", Crash())
    for r in range(5):
        writer.add(r, _block(store, 1.0), STATUS_OK)
    with pytest.raises(KeyboardInterrupt):
        writer.add(5, _block(store, 1.0), STATUS_OK)
    monkeypatch.setitem(store._arrays, "status", original)
    assert (store.status() == 0).all()
    assert list(store.pending()[:6]) == [0, 1, 2, 3, 4, 5]
