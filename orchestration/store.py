"""The result cube on disk: a Zarr store written by the client, read lazily with xarray.

Layout of ``DIR/results.zarr`` (Zarr format 3, no consolidated metadata), the same for
every design (:mod:`orchestration.design`):

* one float64 data variable per metric column of the model (``step`` included for
  skibidy), dims ``(point, replicate, time)``, NaN where nothing was written;
* ``status`` (uint8, run dims ``(point, replicate)``): 0 pending, 1 ok, 2 error (the run
  raised), 3 lost (its worker died too often or the task was cancelled), 4 timeout (the
  run passed its time limit, see :mod:`orchestration.timeouts`);
* coordinates: one per parameter along ``point`` (named like a grid's dimensions,
  ``attrs["param"]`` = dotted path), ``sample`` (the design row of each point, for
  sampled designs), ``replicate``, ``time`` (hours) with ``time_days``, and ``seed``
  (uint64, run dims);
* provenance in the root attributes (:mod:`orchestration.provenance`): written at
  creation; ``sessions`` gains one entry for every session that writes to the cube.

All metadata is written by :meth:`ResultStore.create` before the first run; afterwards
only chunk files change. :class:`Writer` buffers results per chunk and writes the data
of a chunk *before* its status, so a run marked ok is always on disk. Zarr's local store
replaces chunk files atomically, so an interrupted or killed client leaves a consistent
store; resume reruns whatever is not marked done.

:func:`open_results` shows a grid with one dimension per axis (its points reshaped, read
lazily) and a consensus batch as ``(replicate, time)``; other designs keep ``point``.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import xarray as xr

from orchestration.design import Design
from orchestration.provenance import provenance
from orchestration.spec import SweepSpec

__all__ = [
    "ResultStore",
    "Writer",
    "open_results",
    "STATUS_PENDING",
    "STATUS_OK",
    "STATUS_ERROR",
    "STATUS_LOST",
    "STATUS_TIMEOUT",
    "STATUS_NAMES",
]

STATUS_PENDING, STATUS_OK, STATUS_ERROR, STATUS_LOST, STATUS_TIMEOUT = 0, 1, 2, 3, 4
STATUS_NAMES = {0: "pending", 1: "ok", 2: "error", 3: "lost", 4: "timeout"}
STORE_NAME = "results.zarr"
PARTIAL_NAME = ".results.zarr.partial"
TARGET_RUNS_PER_CHUNK = 256


def checksummed() -> list[Any]:
    """The byte codecs of every array: Zstandard, then a CRC32C checksum of each chunk.

    A chunk file changed on disk (a flipped byte, a truncation) then fails to decode
    instead of reading as a silently different value.
    """
    from zarr.codecs import Crc32cCodec, ZstdCodec

    return [ZstdCodec(level=0), Crc32cCodec()]


def metric_variables(model: str = "skibidy") -> tuple[str, ...]:
    """Metric columns stored as data variables (``time_h``/``time_days`` become coordinates)."""
    from orchestration.models import resolve_model

    return resolve_model(model).metrics


def auto_runs_per_chunk(n_times: int) -> int:
    """Runs per chunk: 256, or more for short time axes, up to about 128 KiB per chunk file.

    Every chunk write costs a few ms per variable whatever its size, so cubes of very short
    runs (one or a few metrics rows) get fewer, larger chunks (at most 4096 runs).

    Examples
    --------
    >>> auto_runs_per_chunk(72), auto_runs_per_chunk(10), auto_runs_per_chunk(1)
    (256, 1638, 4096)
    """
    return int(min(4096, max(TARGET_RUNS_PER_CHUNK, 16384 // max(1, n_times))))


def run_chunks(shape: tuple[int, ...], target: int = TARGET_RUNS_PER_CHUNK) -> tuple[int, ...]:
    """Chunk shape over the run dims so that each chunk is a contiguous block of flat indices.

    Trailing dims are kept whole while the block stays within ``target`` runs; the first
    dim that would exceed it is split; leading dims get chunk 1.

    Examples
    --------
    >>> run_chunks((5, 4, 3), target=10)
    (1, 3, 3)
    >>> run_chunks((20,), target=256)
    (20,)
    """
    chunks = [1] * len(shape)
    block = 1
    for d in range(len(shape) - 1, -1, -1):
        if block * shape[d] <= target:
            chunks[d] = shape[d]
            block *= shape[d]
        else:
            chunks[d] = max(1, min(shape[d], target // block))
            break
    return tuple(chunks)


class ResultStore:
    """A result cube on disk, opened for writing by the (single) client."""

    def __init__(self, directory: str | Path) -> None:
        import zarr

        self.directory = Path(directory)
        self.path = self.directory / STORE_NAME
        self.group = zarr.open_group(str(self.path), mode="r+")
        attrs = dict(self.group.attrs)
        self.spec = SweepSpec.from_dict(json.loads(attrs["spec"]))
        self.grid = self.design = Design(self.spec)
        self.variables = tuple(json.loads(attrs["metric_variables"]))
        self.time_h = np.asarray(self.group["time"][:], dtype=np.float64)
        self.chunks = tuple(self.group["status"].chunks)
        self._arrays = {name: self.group[name] for name in (*self.variables, "status")}
        self._seeds: np.ndarray | None = None

    # -- creation ------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        directory: str | Path,
        spec: SweepSpec,
        scheduler: str = "",
        runs_per_chunk: int | None = None,
        run_chunks_shape: tuple[int, ...] | None = None,
    ) -> "ResultStore":
        """Write the template of the whole cube (metadata, coordinates, empty data).

        Parameters
        ----------
        directory : path
            The results directory (``results.zarr`` is created inside).
        spec : SweepSpec
        scheduler : str
            Scheduler address, for provenance.
        runs_per_chunk : int, optional
            Target number of runs per chunk (see :func:`run_chunks`); default
            :func:`auto_runs_per_chunk` of the time axis.
        run_chunks_shape : tuple of int, optional
            The chunk shape over the run dims, exactly (wins over ``runs_per_chunk``; used
            to rebuild the metadata of an existing cube).
        """
        import dask.array as da

        grid = Design(spec)
        variables = metric_variables(spec.model)
        time_h = grid.time_h
        shape = grid.shape
        chunks = tuple(run_chunks_shape) if run_chunks_shape else run_chunks(
            shape, runs_per_chunk or auto_runs_per_chunk(len(time_h))
        )
        dims = grid.dims
        coords: dict[str, Any] = {}
        for c in grid.columns:
            # along point: a grid's axis values repeat as the product; others hold each point's
            values = np.array([pt[c.param] for pt in grid.points])
            if values.dtype.kind == "U":
                values = values.astype(object)
            coords[c.name] = xr.Variable(
                ("point",), values, attrs={"param": c.param, "long_name": c.param}
            )
        coords["point"] = xr.Variable(("point",), np.arange(shape[0], dtype=np.int64))
        if spec.sampled or spec.design.rows:
            coords["sample"] = xr.Variable(
                ("point",), np.arange(shape[0], dtype=np.int64) % grid.n_rows,
                attrs={"long_name": "design row"},
            )
        coords["replicate"] = xr.Variable(("replicate",), np.arange(shape[-1], dtype=np.int64))
        coords["time"] = xr.Variable(
            ("time",), time_h, attrs={"units": "h", "long_name": "simulated time"}
        )
        coords["time_days"] = xr.Variable(("time",), time_h / 24.0, attrs={"units": "d"})
        coords["seed"] = xr.Variable(dims, grid.seeds(), attrs={"long_name": "run seed"})
        data_vars: dict[str, Any] = {}
        full_chunks = (*chunks, max(1, len(time_h)))
        for v in variables:
            # One dask chunk per variable: nothing is computed (compute=False), and a graph
            # of one task per Zarr chunk would cost seconds at 10^5 runs.
            data_vars[v] = xr.Variable(
                (*dims, "time"),
                da.full((*shape, len(time_h)), np.nan, dtype=np.float64, chunks=-1),
            )
        data_vars["status"] = xr.Variable(
            dims,
            np.zeros(shape, dtype=np.uint8),
            attrs={"flag_values": "0 1 2 3 4", "flag_meanings": "pending ok error lost timeout"},
        )
        attrs = {
            "title": f"skibidy {spec.kind}: {spec.name}",
            "kind": spec.kind,
            "design": spec.design.method,
            "model": spec.model,
            "name": spec.name,
            "spec": json.dumps(spec.to_dict(), sort_keys=True),
            "spec_hash": spec.hash,
            "config_text": spec.text,
            "root_seed": spec.seed,
            "seeding": spec.seeding,
            "skin": spec.skin,
            "preset": spec.preset,
            "metric_variables": json.dumps(list(variables)),
            "store_id": uuid.uuid4().hex,
            **provenance(scheduler),
            "sessions": "[]",
        }
        ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
        encoding: dict[str, Any] = {
            v: {"chunks": full_chunks, "compressors": checksummed()} for v in variables
        }
        encoding["status"] = {"chunks": chunks, "compressors": checksummed()}
        encoding["seed"] = {"chunks": chunks, "compressors": checksummed()}
        # Written aside and renamed into place: an interrupted creation leaves no
        # half-made store that would look resumable.
        path = Path(directory) / STORE_NAME
        partial = Path(directory) / PARTIAL_NAME
        if partial.exists():
            import shutil

            shutil.rmtree(partial)
        ds.to_zarr(
            str(partial), mode="w-", compute=False, zarr_format=3, consolidated=False,
            encoding=encoding,
        )
        partial.rename(path)
        return cls(directory)

    def record_session(self, entry: Mapping[str, Any]) -> None:
        """Append one session (see :func:`orchestration.provenance.session`) to ``sessions``."""
        try:
            sessions = list(json.loads(self.group.attrs.get("sessions", "[]")))
        except (TypeError, ValueError):
            sessions = []
        sessions.append(dict(entry))
        self.group.attrs["sessions"] = json.dumps(sessions, sort_keys=True)

    # -- reading -------------------------------------------------------------------------
    def status(self) -> np.ndarray:
        """The status of every run, flat (index = flat run index)."""
        return np.asarray(self._arrays["status"][...]).reshape(-1)

    def seeds(self) -> np.ndarray:
        """Every run's seed, flat (read once from the ``seed`` coordinate, then kept)."""
        if self._seeds is None:
            self._seeds = np.asarray(self.group["seed"][...], dtype=np.uint64).reshape(-1)
        return self._seeds

    def pending(self, retry_failed: bool = False) -> np.ndarray:
        """Flat indices of runs still to do: pending and lost, plus errors and timeouts if asked."""
        st = self.status()
        todo = (st == STATUS_PENDING) | (st == STATUS_LOST)
        if retry_failed:
            todo |= (st == STATUS_ERROR) | (st == STATUS_TIMEOUT)
        return np.flatnonzero(todo)

    # -- chunk geometry ------------------------------------------------------------------
    def chunk_of(self, runs: np.ndarray) -> np.ndarray:
        """Chunk id (flat over the chunk grid) of each flat run index."""
        idx = np.unravel_index(np.asarray(runs, dtype=np.int64), self.grid.shape)
        cgrid = self.chunk_grid
        cidx = tuple(i // c for i, c in zip(idx, self.chunks))
        return np.ravel_multi_index(cidx, cgrid)

    @property
    def chunk_grid(self) -> tuple[int, ...]:
        return tuple(math.ceil(n / c) for n, c in zip(self.grid.shape, self.chunks))

    def region(self, cid: int) -> tuple[slice, ...]:
        """Slices over the run dims of chunk ``cid``."""
        cidx = np.unravel_index(int(cid), self.chunk_grid)
        return tuple(
            slice(int(i) * c, min((int(i) + 1) * c, n))
            for i, c, n in zip(cidx, self.chunks, self.grid.shape)
        )

    def iter_regions(self) -> Iterator[tuple[slice, ...]]:
        """All chunk regions, in flat-index order."""
        for cid in range(math.prod(self.chunk_grid)):
            yield self.region(cid)

    def read_region(self, region: tuple[slice, ...]) -> dict[str, np.ndarray]:
        """Every metric variable and the status over one region, as numpy arrays."""
        return {name: np.asarray(arr[region]) for name, arr in self._arrays.items()}

    # -- writing -------------------------------------------------------------------------
    def write_region(
        self,
        region: tuple[slice, ...],
        local: tuple[np.ndarray, ...],
        blocks: np.ndarray | None,
        ok: np.ndarray,
        statuses: np.ndarray,
        complete: bool,
    ) -> None:
        """Write runs into one region: data of every variable first, then their status.

        Parameters
        ----------
        region : tuple of slice
            The chunk's region over the run dims.
        local : tuple of int arrays
            Index of each run inside the region.
        blocks : ndarray (n, time, variable)
            Results (rows of failed runs are ignored and written as NaN).
        ok : bool ndarray (n,)
            Which runs have results.
        statuses : uint8 ndarray (n,)
            The status to record for each run.
        complete : bool
            True when the runs cover the whole region (no read needed).
        """
        shape = tuple(s.stop - s.start for s in region)
        arrays = [self._arrays[name] for name in self.variables]
        if complete:
            datas = [np.full((*shape, len(self.time_h)), np.nan) for _ in arrays]
        else:
            datas = [np.array(d, dtype=np.float64) for d in _read_all(arrays, region)]
        sel = tuple(i[ok] for i in local) if blocks is not None and ok.any() else None
        for m, data in enumerate(datas):
            data[local] = np.nan
            if sel is not None:
                data[sel] = blocks[ok, :, m]
        _write_all(arrays, region, datas)  # every variable's data, then the status
        st_arr = self._arrays["status"]
        st = np.zeros(shape, dtype=np.uint8) if complete else np.array(st_arr[region])
        st[local] = statuses
        st_arr[region] = st


def _read_all(arrays: list[Any], region: tuple[slice, ...]) -> list[np.ndarray]:
    """Read one region of several Zarr arrays, concurrently when zarr allows it."""
    try:
        from zarr.core.sync import sync
    except ImportError:  # pragma: no cover - another zarr layout
        return [np.asarray(a[region]) for a in arrays]

    async def read() -> list[Any]:
        return list(await asyncio.gather(*(a.async_array.getitem(region) for a in arrays)))

    return [np.asarray(d) for d in sync(read())]


def _write_all(arrays: list[Any], region: tuple[slice, ...], datas: list[np.ndarray]) -> None:
    """Write one region of several Zarr arrays, concurrently when zarr allows it.

    Returns once every write has finished (the caller writes the status afterwards).
    """
    try:
        from zarr.core.sync import sync
    except ImportError:  # pragma: no cover - another zarr layout
        for a, d in zip(arrays, datas):
            a[region] = d
        return

    async def write() -> None:
        await asyncio.gather(*(a.async_array.setitem(region, d) for a, d in zip(arrays, datas)))

    sync(write())


class Writer:
    """Buffers finished runs per chunk; flushes a chunk once all its runs have arrived.

    Partial chunks are flushed by :meth:`flush` (on a timer, at the end, on interrupt).
    The timer waits at least ``flush_every`` seconds, and longer when a partial flush is
    slow (a read-modify-write of every variable): at least 50 times the last one took, so
    timed flushes stay under ~2 % of the client's time however slow the disk is. (An
    interrupt flushes everything; only a hard kill loses the runs received since.)
    """

    def __init__(self, store: ResultStore, todo: np.ndarray, flush_every: float = 2.0) -> None:
        self.store = store
        todo = np.asarray(todo, dtype=np.int64)
        cids = store.chunk_of(todo) if len(todo) else np.array([], dtype=np.int64)
        ids, counts = np.unique(cids, return_counts=True)
        self._expected = dict(zip(ids.tolist(), counts.tolist()))
        self._buffers: dict[int, dict[int, tuple[np.ndarray | None, int]]] = {}
        self.flush_every = flush_every
        self._gap = flush_every
        self._last = time.monotonic()
        # chunk id of a flat run: its index over the chunk grid, in pure integer arithmetic
        shape, chunks = store.grid.shape, store.chunks
        self._strides = [math.prod(shape[d + 1 :]) for d in range(len(shape))]
        self._geometry = list(zip(shape, chunks, store.chunk_grid))

    def _chunk_id(self, run: int) -> int:
        cid = 0
        for stride, (n, c, nc) in zip(self._strides, self._geometry):
            i = (run // stride) % n
            cid = cid * nc + i // c
        return cid

    def add(self, run: int, block: np.ndarray | None, status: int) -> None:
        """Buffer one finished run (``block`` is ``(time, variable)`` or None if it failed)."""
        cid = self._chunk_id(int(run))
        buf = self._buffers.setdefault(cid, {})
        buf[int(run)] = (block, int(status))
        if len(buf) >= self._expected.get(cid, 0):
            self._flush_chunk(cid)
        elif time.monotonic() - self._last > self._gap:
            self.flush()

    def flush(self) -> None:
        """Write every buffered run (partial chunks included)."""
        t0 = time.monotonic()
        for cid in list(self._buffers):
            self._flush_chunk(cid)
        self._last = time.monotonic()
        self._gap = max(self.flush_every, 50.0 * (self._last - t0))

    def _flush_chunk(self, cid: int) -> None:
        buf = self._buffers.pop(cid, None)
        if not buf:
            return
        store = self.store
        region = store.region(cid)
        runs = np.fromiter(buf.keys(), dtype=np.int64)
        idx = np.unravel_index(runs, store.grid.shape)
        local = tuple(i - s.start for i, s in zip(idx, region))
        n_region = math.prod(s.stop - s.start for s in region)
        ok = np.array([b is not None for b, _ in buf.values()], dtype=bool)
        statuses = np.array([s for _, s in buf.values()], dtype=np.uint8)
        blocks = None
        if ok.any():
            t = len(store.time_h)
            m = len(store.variables)
            blocks = np.full((len(runs), t, m), np.nan)
            for j, (b, _) in enumerate(buf.values()):
                if b is not None:
                    blocks[j] = b
        store.write_region(region, local, blocks, ok, statuses, complete=len(runs) == n_region)
        self._expected[cid] = self._expected.get(cid, 0) - len(runs)

    @property
    def buffered(self) -> int:
        """Runs waiting in memory to be written."""
        return sum(len(b) for b in self._buffers.values())


def is_result_dir(directory: str | Path) -> bool:
    """True if ``directory`` holds a result cube."""
    return (Path(directory) / STORE_NAME / "zarr.json").is_file()


def stored_spec(directory: str | Path) -> SweepSpec:
    """The spec a results directory was created with."""
    import zarr

    group = zarr.open_group(str(Path(directory) / STORE_NAME), mode="r")
    return SweepSpec.from_dict(json.loads(group.attrs["spec"]))


def open_results(directory: str | Path, *, chunks: Any = None) -> xr.Dataset:
    """Open a results directory as a lazy :class:`xarray.Dataset`.

    By default the variables are lazily indexed arrays, not Dask arrays: whatever is
    selected is read from disk in *this* process when it is used, so the values are right
    even while a ``distributed.Client`` to a remote cluster is active (its workers may not
    see this directory; Dask would send them the reads and they would get fill values).

    Parameters
    ----------
    directory : str or Path
        A directory written by ``skibidy sweep`` / ``skibidy batch`` (or the store itself).
    chunks : optional
        Give ``chunks`` (as for :func:`xarray.open_zarr`, e.g. ``"auto"`` or ``{}``) for
        Dask arrays instead. If a distributed Client is active, every one of its workers
        must then be able to read this very store (checked: a :class:`SkibidyError`
        names the workers that cannot).

    Returns
    -------
    xarray.Dataset
        A grid: one dim per swept parameter (coordinate ``attrs["param"]`` is the dotted
        path), ``replicate`` and ``time`` (hours, with ``time_days``); a batch:
        ``replicate`` and ``time``; any other design: ``point``, ``replicate`` and
        ``time``, with one coordinate per parameter along ``point``. One data variable
        per metric; ``status`` and ``seed`` are coordinates over the run dims.

    Examples
    --------
    >>> ds = open_results("results/cytokine_rate_20260101_120000")  # doctest: +SKIP
    >>> ds.wound_closure_pct.where(ds.status == 1).max("time").mean("replicate")  # doctest: +SKIP
    """
    from skibidy.errors import SkibidyError

    d = Path(directory)
    path = d if d.name == STORE_NAME else d / STORE_NAME
    if not (path / "zarr.json").is_file():
        raise SkibidyError(
            f"{str(directory)!r} is not a results directory (no {STORE_NAME} inside); "
            "give a directory written by 'skibidy sweep' or 'skibidy batch'"
        )
    if chunks is not None:
        check_workers_see(path)
    ds = xr.open_zarr(str(path), consolidated=False, zarr_format=3, chunks=chunks)
    order = json.loads(ds.attrs.get("metric_variables", "[]"))
    ds = ds[[v for v in order if v in ds.data_vars] + [v for v in ds.data_vars if v not in order]]
    ds = ds.set_coords("status")
    spec = SweepSpec.from_dict(json.loads(ds.attrs["spec"]))
    if spec.is_grid:
        return grid_view(ds, spec, path, lazy=chunks is None)
    return ds


class _GridArray(xr.backends.BackendArray):
    """A ``(point, ...)`` Zarr array seen as ``(axis_1, ..., axis_k, ...)``, read lazily.

    Implements xarray's backend-array protocol with outer indexing: a selection over the
    axes becomes the matching set of points, read in one orthogonal selection.
    """

    def __init__(self, array: Any, grid_shape: tuple[int, ...]) -> None:
        self.array = array
        self.grid_shape = grid_shape
        self.shape = (*grid_shape, *array.shape[1:])
        self.dtype = np.dtype(array.dtype.to_native_dtype() if hasattr(array.dtype, "to_native_dtype") else array.dtype)

    def __getitem__(self, key: Any) -> np.ndarray:
        from xarray.core import indexing

        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._read
        )

    def _read(self, key: tuple[Any, ...]) -> np.ndarray:
        k = len(self.grid_shape)
        picks, scalar = [], []
        for n, sel in zip(self.grid_shape, key[:k]):
            idx = np.arange(n)[sel]
            scalar.append(np.ndim(idx) == 0)
            picks.append(np.atleast_1d(idx))
        flat = np.ravel_multi_index(np.ix_(*picks), self.grid_shape) if k else np.zeros((), np.int64)
        wanted, where = np.unique(flat.reshape(-1), return_inverse=True)
        rest = tuple(key[k:])
        block = np.asarray(self.array.oindex[(wanted, *rest)])
        out = block[where].reshape((*flat.shape, *block.shape[1:]))
        drop = tuple(i for i, s in enumerate(scalar) if s)
        return out.squeeze(axis=drop) if drop else out


def grid_view(ds: xr.Dataset, spec: SweepSpec, path: Path, *, lazy: bool = True) -> xr.Dataset:
    """A grid cube with one dimension per axis (a batch: ``replicate x time``).

    The points of a grid are the C-order product of its axes, so the view is a reshape
    of ``point``: lazy (an outer-indexing backend array over the Zarr arrays) when the
    cube was opened without Dask, else a Dask reshape.
    """
    import zarr
    from xarray.core import indexing

    axes = spec.axes
    names = [a.name for a in axes]
    shape = tuple(len(a) for a in axes)
    group = zarr.open_group(str(path), mode="r") if lazy else None
    variables: dict[str, xr.Variable] = {}
    for name, var in ds.variables.items():
        if "point" not in var.dims or name in names or name in ("point", "sample"):
            continue
        dims = (*names, *var.dims[1:])
        if name in ("status", "seed"):  # small: read now
            data: Any = np.asarray(var.values).reshape((*shape, *var.shape[1:]))
        elif lazy:
            data = indexing.LazilyIndexedArray(_GridArray(group[name], shape))  # type: ignore[index]
        else:
            data = var.data.reshape((*shape, *var.shape[1:]))
        variables[name] = xr.Variable(dims, data, attrs=var.attrs, encoding=var.encoding)
    coords = {}
    for j, a in enumerate(axes):  # each axis' levels, as the point coordinate decodes them
        along = np.asarray(ds[a.name].values).reshape(shape)
        levels = along[tuple(slice(None) if i == j else 0 for i in range(len(axes)))]
        coords[a.name] = xr.Variable((a.name,), levels, attrs=ds[a.name].attrs)
    for name in ("replicate", "time", "time_days"):
        coords[name] = ds[name].variable
    coords["status"] = variables.pop("status")
    coords["seed"] = variables.pop("seed")
    return xr.Dataset(variables, coords=coords, attrs=ds.attrs)


def _store_token(path: str) -> str:
    """A fingerprint of the store at ``path`` as this process sees it ("" if unreadable)."""
    import hashlib

    try:
        return hashlib.sha256(Path(path, "zarr.json").read_bytes()).hexdigest()
    except OSError:
        return ""


def check_workers_see(path: str | Path) -> None:
    """Raise unless every worker of the active distributed Client reads this same store.

    Does nothing when no Client is active (Dask then computes in this process).
    """
    from orchestration.cluster import active_client
    from skibidy.errors import SkibidyError

    client = active_client()
    if client is None:
        return
    mine = _store_token(str(Path(path).resolve()))
    try:
        theirs = client.run(_store_token, str(Path(path).resolve()))
    except Exception as exc:  # the cluster cannot answer: do not assume
        raise SkibidyError(
            f"cannot check that the Dask workers see {str(path)!r} ({type(exc).__name__}); "
            "open it without chunks= to read it in this process"
        ) from None
    blind = sorted(w for w, token in theirs.items() if token != mine)
    if blind:
        raise SkibidyError(
            f"{len(blind)} Dask worker(s) of the active client ({', '.join(blind[:3])}) cannot "
            f"read {str(path)!r}, so Dask arrays of it would compute to fill values there; "
            "open it without chunks= (reads in this process) or put the results on storage "
            "every worker mounts at the same path"
        )


def stored_attrs(directory: str | Path) -> Mapping[str, Any]:
    """The root attributes (provenance) of a results directory."""
    import zarr

    return dict(zarr.open_group(str(Path(directory) / STORE_NAME), mode="r").attrs)
