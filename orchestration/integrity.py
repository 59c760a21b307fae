"""Integrity of a result cube on disk: find damaged chunks, and reset their runs.

Every chunk of a cube carries a CRC32C checksum (:func:`orchestration.store.checksummed`),
so a changed or truncated chunk file fails to decode instead of reading as other
numbers. :func:`scan` finds

* array metadata (``zarr.json``) that is missing or unreadable,
* chunks that are corrupt or truncated (they do not decode),
* data chunks that are missing although the status says their runs are done (a missing
  chunk would otherwise read as NaN with status ``ok``),

and names the runs each damaged chunk holds. :func:`repair` (used by ``--resume``) puts
back missing metadata from the cube's template, and deletes the damaged chunks with
every other chunk of the same runs, so exactly those runs read as pending and are
recomputed: the seeds make the recomputed values bit-identical.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from orchestration.store import STATUS_OK, STORE_NAME
from skibidy.errors import SkibidyError

__all__ = ["Damage", "DamagedStore", "scan", "repair", "describe"]


class DamagedStore(SkibidyError):
    """A results cube has damaged chunks or metadata (the message says how to recover)."""


@dataclass(frozen=True)
class Damage:
    """One damaged piece of a cube.

    Attributes
    ----------
    array : str
        The array (a metric, ``status``, ``seed`` or a coordinate).
    problem : str
        ``"metadata missing"``, ``"metadata unreadable"``, ``"corrupt"`` or ``"missing"``.
    chunk : tuple of int
        The chunk's index over the array's chunk grid (empty for metadata).
    runs : tuple of int
        First and one-past-last flat run index of each contiguous block the chunk holds
        (pairs, flattened), empty if it holds no runs (metadata, coordinates).
    detail : str
        What the reader said.
    """

    array: str
    problem: str
    chunk: tuple[int, ...] = ()
    runs: tuple[int, ...] = ()
    detail: str = ""

    @property
    def n_runs(self) -> int:
        return sum(b - a for a, b in zip(self.runs[::2], self.runs[1::2]))

    def run_text(self) -> str:
        spans = [f"{a}" if b == a + 1 else f"{a}-{b - 1}" for a, b in zip(self.runs[::2], self.runs[1::2])]
        return ", ".join(spans[:6]) + (", ..." if len(spans) > 6 else "")


def _meta(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / "zarr.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _chunk_file(array_dir: Path, meta: dict[str, Any], coords: tuple[int, ...]) -> Path:
    enc = meta.get("chunk_key_encoding", {"name": "default", "configuration": {"separator": "/"}})
    sep = enc.get("configuration", {}).get("separator", "/")
    if enc.get("name") == "v2":
        key = sep.join(str(c) for c in coords) if coords else "0"
    else:
        key = sep.join(["c", *(str(c) for c in coords)])
    return array_dir / key


def _chunk_coords(shape: tuple[int, ...], chunks: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every chunk index of an array, in C order."""
    grid = [math.ceil(n / c) for n, c in zip(shape, chunks)]
    for flat in range(math.prod(grid)):
        yield tuple(int(i) for i in np.unravel_index(flat, grid)) if grid else ()


def _run_spans(region: tuple[slice, ...], run_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Flat run-index spans (start, stop pairs) covered by a region over the run dims."""
    idx = np.stack(np.meshgrid(*[np.arange(s.start, s.stop) for s in region], indexing="ij"), -1)
    flat = np.sort(np.ravel_multi_index(tuple(idx.reshape(-1, len(region)).T), run_shape))
    spans: list[int] = []
    start = prev = int(flat[0])
    for r in flat[1:]:
        r = int(r)
        if r != prev + 1:
            spans += [start, prev + 1]
            start = r
        prev = r
    return tuple(spans + [start, prev + 1])


def _run_arrays(root: dict[str, Any]) -> list[str]:
    attrs = root.get("attributes", {})
    return [*json.loads(attrs.get("metric_variables", "[]")), "status"]


def scan(directory: str | Path, *, read: bool = True) -> list[Damage]:
    """Find damaged metadata and chunks of the cube in ``directory``.

    Parameters
    ----------
    directory : path
        A results directory.
    read : bool
        Decode every chunk (finds corrupt and truncated ones); False only checks that the
        metadata and the chunks of finished runs are there.

    Returns
    -------
    list of Damage
        Empty if the cube is intact.

    Raises
    ------
    DamagedStore
        The root metadata (``results.zarr/zarr.json``) is missing or unreadable.
    """
    import zarr

    store = Path(directory) / STORE_NAME
    root = _meta(store)
    if root is None:
        raise DamagedStore(
            f"{str(directory)!r} has no readable {STORE_NAME}/zarr.json; it is not a results "
            "directory, or its root metadata is lost (start the sweep again in a new folder)"
        )
    found: list[Damage] = []
    run_arrays = _run_arrays(root)
    names = sorted({p.name for p in store.iterdir() if p.is_dir()} | set(run_arrays))
    group = zarr.open_group(str(store), mode="r")
    status = None
    metas: dict[str, dict[str, Any]] = {}
    for name in names:
        meta = _meta(store / name)
        if meta is None:
            problem = "metadata missing" if not (store / name / "zarr.json").exists() else "metadata unreadable"
            found.append(Damage(name, problem, detail=f"{STORE_NAME}/{name}/zarr.json"))
        else:
            metas[name] = meta
    if "status" in metas:
        try:
            status = np.asarray(group["status"][...])
        except Exception:
            status = None  # its chunks are examined below
    for name, meta in metas.items():
        shape = tuple(meta.get("shape", ()))
        chunks = tuple(meta.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape", shape))
        is_run_array = name in run_arrays
        run_shape = shape[:-1] if is_run_array and name != "status" else shape
        arr = group[name] if read or is_run_array else None
        for coords in _chunk_coords(shape, chunks):
            region = tuple(slice(c * k, min((c + 1) * k, n)) for c, k, n in zip(coords, chunks, shape))
            path = _chunk_file(store / name, meta, coords)
            run_region = region[: len(run_shape)] if is_run_array else ()
            spans = _run_spans(run_region, run_shape) if is_run_array and run_region else ()
            if not path.exists():
                if is_run_array and name != "status" and status is not None:
                    done = status[run_region] == STATUS_OK
                    if done.any():
                        found.append(Damage(name, "missing", coords, spans,
                                            f"{int(done.sum())} run(s) marked ok have no data"))
                continue
            if not read:
                continue
            try:
                arr[region]  # type: ignore[index]
            except Exception as exc:
                text = (str(exc).splitlines() or [""])[0][:120]
                found.append(Damage(name, "corrupt", coords, spans, f"{type(exc).__name__}: {text}"))
    return found


def describe(damage: list[Damage]) -> list[str]:
    """One line per damaged piece, for people."""
    lines = []
    for d in damage:
        where = f"{d.array} chunk {','.join(map(str, d.chunk))}" if d.chunk or d.runs else d.array
        runs = f"; runs {d.run_text()}" if d.runs else ""
        lines.append(f"{where}: {d.problem} ({d.detail}){runs}")
    return lines


def repair(directory: str | Path, damage: list[Damage]) -> np.ndarray:
    """Make a damaged cube resumable: exactly the damaged runs become pending.

    Missing array metadata and damaged coordinates are copied from a fresh template of
    the same spec; every chunk (all metrics and the status) over the runs of a damaged
    chunk is deleted, so those runs read as pending and are recomputed.

    Returns
    -------
    ndarray of int
        The flat run indices reset to pending.
    """
    from orchestration.store import ResultStore, stored_spec

    d = Path(directory)
    store = d / STORE_NAME
    root = _meta(store) or {}
    run_arrays = _run_arrays(root)
    from_template = {x.array for x in damage if x.array not in run_arrays or not x.chunk and not x.runs}
    if from_template:
        with tempfile.TemporaryDirectory(dir=d, prefix=".template-") as tmp:
            template = ResultStore.create(tmp, stored_spec(d), run_chunks_shape=_run_chunks(store, run_arrays))
            for name in sorted(from_template):
                src, dst = template.path / name, store / name
                if _meta_only(damage, name) and dst.exists():
                    shutil.copy2(src / "zarr.json", dst / "zarr.json")
                else:
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(src, dst)
    reset: list[int] = []
    for x in damage:
        if x.array not in run_arrays or not x.runs:
            continue
        run_coords = x.chunk if x.array == "status" else x.chunk[:-1]
        for name in run_arrays:  # the same runs in every metric and the status
            meta = _meta(store / name)
            if meta is not None:
                coords = run_coords if name == "status" else (*run_coords, 0)
                _chunk_file(store / name, meta, coords).unlink(missing_ok=True)
        for a, b in zip(x.runs[::2], x.runs[1::2]):
            reset.extend(range(a, b))
    return np.unique(np.asarray(reset, dtype=np.int64))


def _run_chunks(store: Path, run_arrays: list[str]) -> tuple[int, ...] | None:
    """The cube's chunk shape over the run dims, from any run array's metadata."""
    for name in ("status", *run_arrays):
        meta = _meta(store / name)
        if meta is not None:
            shape = tuple(meta["chunk_grid"]["configuration"]["chunk_shape"])
            return shape if name == "status" else shape[:-1]
    return None


def _meta_only(damage: list[Damage], name: str) -> bool:
    """True if the only damage to array ``name`` is its metadata."""
    return all(not x.chunk and not x.runs for x in damage if x.array == name)
