"""Write the example notebooks from the source below; optionally execute them for the README.

The notebooks in this folder are generated: edit the cells here, not the ``.ipynb`` files,
then run from the repository root::

    python examples/_build.py            # rewrite examples/*.ipynb (no outputs)
    python examples/_build.py --images   # also execute them and save docs/images/<name>.png
    python examples/_build.py --check    # exit 1 if a committed notebook differs from this source

The README pictures are the image output of the cell tagged ``readme-figure`` in each
notebook. Notebooks execute in a temporary directory, so their results never land in the
repository.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

HERE = Path(__file__).resolve().parent
IMAGES = HERE.parent / "docs" / "images"
README_TAG = "readme-figure"

Cell = tuple[str, str] | tuple[str, str, tuple[str, ...]]

# -- explore_sweep.ipynb --------------------------------------------------------------------

EXPLORE_SWEEP: list[Cell] = [
    ("markdown", """\
# Exploring a sweep cube

A parameter sweep in Skibidy ends up as one labelled array on disk: every metric of every
run, with one dimension per swept parameter, one for the replicate and one for time. This
notebook runs a small two-parameter sweep, then shows how to

1. open the cube and find your way around it,
2. select runs and reduce them to outcomes (final value, peak, area under the curve,
   time to a threshold) with replicate statistics,
3. plot time courses, sweep curves with error bars and heatmaps,
4. compare the simulation with the published healing curves.

The question: **how much does the cytokine output of neutrophils and M1 macrophages slow
closure, and does that depend on how sensitive keratinocyte proliferation is to immune
pressure?** (`prolif_threshold` is the Hill constant of that suppression: the lower it is,
the less inflammation it takes to hold proliferation back.)

Everything here runs in about a minute on two cores, because each run simulates only a
few days (the full model runs 30). Raise `DAYS` and `REPLICATES` for real answers."""),
    ("code", """\
%matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import orchestration  # also registers the `.skibidy` accessor on xarray objects
from orchestration import open_results, run_sweep
from orchestration.spec import parse_sweep

plt.rcParams["figure.dpi"] = 90"""),
    ("code", """\
# Parameters: short runs so the notebook stays quick.
DAYS = 4            # simulated days per run
REPLICATES = 3      # seeded runs per parameter point
WORKERS = 2         # worker processes of the local Dask cluster
RESULTS = Path(f"results/explore_sweep_{DAYS}d_{REPLICATES}r")  # one directory per setting""", ("parameters",)),
    ("markdown", """\
## 1. Run the sweep (or pick up where it stopped)

A sweep is described by the same TOML as a file in `configs/`; here it is inline. Two
parameters with three values each, `REPLICATES` runs per point: 27 runs.

`run_sweep` starts a local Dask cluster (or uses the `distributed.Client` you already have),
shows a progress bar and returns the cube. If `RESULTS` already holds this very sweep, it
only runs what is missing, so re-running this cell costs little; a directory that holds a
different sweep is refused rather than overwritten."""),
    ("code", """\
SWEEP = f'''
[sweep]
name = "cytokines_x_proliferation"
runs_per_value = {REPLICATES}

[[sweep.params]]
param = "skin.immune.cytokine_rate"
values = [0.12, 0.24, 0.48]

[[sweep.params]]
param = "skin.inflammation.prolif_threshold"
values = [1.0, 2.0, 4.0]

[sweep.set]
"skin.duration_days" = {DAYS}
"skin.metrics_interval_h" = 4.0

[outcomes]                       # "metric:measure"; a bare metric takes `measure`
primary = "wound_closure_pct:final"
secondary = ["wound_closure_pct:time_to_20", "mean_infl_wound:peak", "n_macrophages"]
measure = "peak"
'''
spec = parse_sweep(SWEEP)
print(f"{spec.n_runs} runs over {[a.param for a in spec.axes]}")"""),
    ("code", """\
ds = run_sweep(spec, out=RESULTS, workers=WORKERS, raw=False)"""),
    ("markdown", """\
## 2. What is in the cube

Later, or from another notebook, the same results open lazily without running anything:
`open_results(RESULTS)`. Each dimension is named after the last part of its parameter
path; the full path is in the coordinate's `param` attribute, and `ds.skibidy.param_paths`
lists them. `time` is in hours (`time_days` alongside), and `status` says which runs
finished (1 = ok, 2 = error, 3 = lost worker, 0 = not run yet)."""),
    ("code", """\
ds = open_results(RESULTS)
ds"""),
    ("code", """\
print(ds.skibidy.param_paths)
print("runs per status:", ds.status.to_series().value_counts().to_dict())"""),
    ("markdown", """\
## 3. Select

Plain xarray: `sel` by parameter value, `isel` by position. Closure at day 2 (hour 48) of
every replicate at one parameter point:"""),
    ("code", """\
closure = ds.wound_closure_pct
closure.sel(cytokine_rate=0.48, prolif_threshold=1.0, time=48.0).values"""),
    ("markdown", """\
## 4. Reduce: outcomes per run, then statistics over replicates

An *outcome* reduces each run's own curve over time: `final` (last valid value), `peak`,
`auc` (trapezoid over hours) or `time_to_N` (the time at which the value first reaches N,
interpolated between rows; NaN if never). Only then are runs summarised over `replicate` (mean, sd, n, 95 % CI).
Failed runs are left out automatically.

The order matters: the mean of the runs' peaks is not the peak of the mean curve when
replicates peak at different times. Two made-up runs show it (the accessor works on any
DataArray with `replicate` and `time`):"""),
    ("code", """\
import xarray as xr

two_runs = xr.DataArray([[0.0, 10.0, 0.0], [0.0, 0.0, 10.0]], dims=("replicate", "time"),
                        coords={"time": [0.0, 10.0, 20.0]})
print("mean of per-run peaks: ", float(two_runs.skibidy.outcome("peak").mean()))
print("peak of the mean curve:", float(two_runs.mean("replicate").max()))"""),
    ("code", """\
# hours until each run's closure first reaches 20 % (NaN if it never does)
t20 = ds.skibidy.outcome("wound_closure_pct", "time_to_20")
t20.sel(cytokine_rate=0.48).to_pandas()"""),
    ("code", """\
st = ds.skibidy.stats("wound_closure_pct", "auc")
st.to_dataframe().round(1)"""),
    ("markdown", """\
`ds.skibidy.summary` gives the table that `skibidy sweep` writes to `summary.csv` (columns
`<metric>_<measure>`), for the config's outcomes or any others, each `"metric:measure"` or a
bare metric with the measure given second:"""),
    ("code", """\
ds.skibidy.summary(["wound_closure_pct:time_to_20", "mean_infl_wound"], "peak").round(3)"""),
    ("markdown", """\
## 5. Plot

* `plot_timecourse`: mean curve with a band of ±1 sd, one line per value of a parameter
  (select the other parameters first);
* `plot_sweep`: an outcome against a parameter, error bars over replicates (a second
  parameter becomes one line per value);
* `plot_heatmap`: an outcome over two parameters, one annotated cell per point.

Each draws into `ax=` if you give one and returns the axes."""),
    ("code", """\
ax = ds.sel(cytokine_rate=0.48).skibidy.plot_timecourse("wound_closure_pct", replicates=True)"""),
    ("code", """\
fig = ds.skibidy.plot_sweep(["wound_closure_pct", "mean_infl_wound"], "final",
                            x="cytokine_rate", error="ci95")"""),
    ("code", """\
ax = ds.skibidy.plot_heatmap("wound_closure_pct", "final")"""),
    ("markdown", """\
The three views side by side; this figure is the one in the README."""),
    ("code", """\
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
ds.sel(cytokine_rate=0.48).skibidy.plot_timecourse("wound_closure_pct", ax=axes[0])
ds.skibidy.plot_sweep("wound_closure_pct", "auc", x="cytokine_rate", ax=axes[1])
ds.skibidy.plot_heatmap("wound_closure_pct", "final", ax=axes[2])
fig.suptitle(f"{spec.n_runs} runs of {DAYS} simulated days: cytokine rate × proliferation threshold")
plt.show()""", (README_TAG,)),
    ("markdown", """\
## 6. Compare with the literature

`plot_literature` draws the simulated mean ± sd over the published consensus curve of the
same quantity (closure in %, inflammation and cell counts divided by their peak). With
runs of a few days only the beginning of the references is covered; the time axis is
clipped to what was simulated."""),
    ("code", """\
fig = ds.sel(cytokine_rate=0.24).skibidy.plot_literature(
    ["wound_closure_pct", "mean_infl_wound", "n_neutrophils", "n_macrophages"])"""),
    ("markdown", """\
The same comparison as numbers, per parameter point: RMSE of closure in percentage points
and of the peak-normalised curves in %, computed on each point's mean curve (the
comparison `skibidy.validate` makes)."""),
    ("code", """\
table = ds.skibidy.validate()
table.set_index(["skin.immune.cytokine_rate", "skin.inflammation.prolif_threshold"])[
    ["closure_rmse", "inflammation_rmse_pct", "macrophages_rmse_pct"]].round(2)"""),
]

# -- skin_types.ipynb -----------------------------------------------------------------------

SKIN_TYPES: list[Cell] = [
    ("markdown", """\
# Normal, aged and diabetic skin

The skin profiles change the model's parameters the way the literature describes ageing
(slower keratinocyte cycle, fewer stem cells, less perfusion) and diabetes (prolonged
inflammation, M1 macrophages that linger, weaker angiogenesis and migration). This notebook
runs the three profiles side by side on a Dask cluster started from the notebook, and
compares them with each other and with the published curves.

It runs a few simulated days per run so that it finishes in about a minute on two cores;
healing takes weeks, so raise `DAYS` to see the whole course."""),
    ("code", """\
%matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from distributed import Client, LocalCluster

import orchestration  # also registers the `.skibidy` accessor on xarray objects
from orchestration import run_batch, run_sweep
from orchestration.spec import parse_sweep

plt.rcParams["figure.dpi"] = 90"""),
    ("code", """\
DAYS = 5            # simulated days per run
REPLICATES = 3      # seeded runs per skin type
WORKERS = 2         # worker processes
RESULTS = Path(f"results/skin_types_{DAYS}d_{REPLICATES}r")  # one directory per setting""", ("parameters",)),
    ("markdown", """\
## A cluster for this notebook

A `LocalCluster` with one single-threaded worker process per core. While a `Client` is
active, `run_sweep` and `run_batch` send their runs to it instead of starting a cluster of
their own. To use a remote cluster instead, connect with `Client("tcp://host:8786")`; the
rest of the notebook stays the same."""),
    ("code", """\
cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                       host="127.0.0.1", dashboard_address="127.0.0.1:0")
client = Client(cluster)
print("dashboard:", client.dashboard_link)"""),
    ("markdown", """\
## One sweep over the skin profile

`skin` can be swept like any parameter: each value picks a profile. Three profiles times
`REPLICATES` seeded runs."""),
    ("code", """\
SWEEP = f'''
[sweep]
name = "skin_types"
param = "skin"
values = ["normal", "aged", "diabetic"]
runs_per_value = {REPLICATES}

[sweep.set]
"skin.duration_days" = {DAYS}
"skin.metrics_interval_h" = 4.0

[outcomes]
primary = "wound_closure_pct:final"
secondary = ["mean_infl_wound:peak", "n_macrophages:peak", "n_neutrophils:peak"]
'''
ds = run_sweep(parse_sweep(SWEEP), out=RESULTS, raw=False)
ds.skibidy.param_paths, ds.sizes"""),
    ("markdown", """\
## Time courses

Mean ± sd over the replicates of each profile. Closure, inflammation in the wound and
the two immune cell populations:"""),
    ("code", """\
METRICS = ["wound_closure_pct", "mean_infl_wound", "n_neutrophils", "n_macrophages"]
fig = ds.skibidy.plot_timecourse(METRICS, by="skin")  # a list of metrics: one panel each
fig.suptitle(f"normal, aged and diabetic skin: mean ± sd of {REPLICATES} runs")
plt.show()"""),
    ("markdown", """\
## Outcomes

Per run first, then over replicates: closure at the end of the run, hours to reach 10 %
closure, the inflammation peak, and the inflammatory burden (area under the curve)."""),
    ("code", """\
def row(metric, measure):
    \"\"\"'mean ± sd' per skin, or 'not reached' when no run got there.\"\"\"
    st = ds.skibidy.stats(metric, measure).to_dataframe()
    return st.apply(lambda r: f"{r['mean']:.1f} ± {r['std']:.1f}" if r["n"] else "not reached", axis=1)

table = pd.DataFrame({
    "closure at end (%)": row("wound_closure_pct", "final"),
    "hours to 10 % closure": row("wound_closure_pct", "time_to_10"),
    "inflammation peak": row("mean_infl_wound", "peak"),
    "inflammation AUC": row("mean_infl_wound", "auc"),
})
table"""),
    ("code", """\
fig = ds.skibidy.plot_sweep(["wound_closure_pct", "mean_infl_wound", "n_macrophages"], "final")"""),
    ("markdown", """\
## Against the literature

Each profile is drawn with the published curve of its condition: normal and aged skin with
the normal consensus, diabetic skin with the diabetic one (dashed, grey squares)."""),
    ("code", """\
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
ds.skibidy.plot_literature("wound_closure_pct", ax=axes[0])
ds.skibidy.plot_literature("mean_infl_wound", ax=axes[1])
fig.suptitle(f"skin profiles against published healing curves (first {DAYS} days)")
plt.show()""", (README_TAG,)),
    ("code", """\
ds.skibidy.validate()[["skin", "condition", "closure_rmse", "inflammation_rmse_pct",
                       "neutrophils_rmse_pct", "macrophages_rmse_pct"]].round(2)"""),
    ("markdown", """\
## A consensus batch on the same cluster

`run_batch` runs one configuration many times (here aged *and* diabetic skin). It also
uses the active client; its cube has only `replicate` and `time`."""),
    ("code", """\
batch = run_batch(REPLICATES, skin="aged_diabetic",
                  overrides={"skin.duration_days": DAYS, "skin.metrics_interval_h": 4.0},
                  out=RESULTS.with_name(RESULTS.name + "_aged_diabetic"), raw=False)
ax = batch.skibidy.plot_literature("wound_closure_pct", condition="diabetic")"""),
    ("code", """\
client.close()
cluster.close()"""),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "explore_sweep": EXPLORE_SWEEP,
    "skin_types": SKIN_TYPES,
}


# -- building -------------------------------------------------------------------------------


def build(name: str, cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook (no outputs) from ``(kind, source[, tags])`` cells, with stable cell ids."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(cells):
        kind, source = cell[0], cell[1]
        tags = list(cell[2]) if len(cell) > 2 else []  # type: ignore[misc]
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        node = make(source, id=f"{name}-{i:02d}")
        if tags:
            node.metadata["tags"] = tags
        nb.cells.append(node)
    nbformat.validate(nb)
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    """The notebook as the JSON text that is committed."""
    return nbformat.writes(nb) + "\n"


def write(directory: Path = HERE) -> list[Path]:
    """Write every notebook into ``directory``; return their paths."""
    paths = []
    for name, cells in NOTEBOOKS.items():
        path = directory / f"{name}.ipynb"
        path.write_text(text(build(name, cells)), encoding="utf-8")
        paths.append(path)
    return paths


def _content(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a reader sees: each cell's kind, source and tags (not nbformat's formatting)."""
    return [
        (c.cell_type, c.source, tuple(c.get("metadata", {}).get("tags", ()))) for c in nb.cells
    ]


def stale(directory: Path = HERE) -> list[str]:
    """Names of notebooks whose committed cells differ from this source."""
    out = []
    for name, cells in NOTEBOOKS.items():
        path = directory / f"{name}.ipynb"
        if not path.is_file() or _content(nbformat.read(path, as_version=4)) != _content(
            build(name, cells)
        ):
            out.append(name)
    return out


def execute(path: Path, workdir: Path, timeout: int = 600) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook with the ``python3`` kernel in ``workdir``; return it and seconds."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return nb, time.perf_counter() - start


def tagged_png(nb: nbformat.NotebookNode, tag: str = README_TAG) -> bytes:
    """The last PNG output of the cell tagged ``tag``."""
    for cell in nb.cells:
        if tag in cell.get("metadata", {}).get("tags", []):
            pngs = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
            if pngs:
                return base64.b64decode(pngs[-1])
    raise LookupError(f"no image output in a cell tagged {tag!r}")


def images(directory: Path = HERE, out: Path = IMAGES) -> dict[str, float]:
    """Execute every notebook in a temporary copy; save its README figure; return timings."""
    out.mkdir(parents=True, exist_ok=True)
    timings = {}
    for name in NOTEBOOKS:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / f"{name}.ipynb"
            shutil.copy(directory / f"{name}.ipynb", copy)
            nb, seconds = execute(copy, Path(tmp))
        (out / f"{name}.png").write_bytes(tagged_png(nb))
        timings[name] = seconds
        print(f"{name}: executed in {seconds:.1f} s -> {out / f'{name}.png'}")
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", action="store_true", help="also execute and save docs/images/*.png")
    parser.add_argument("--check", action="store_true", help="only check that the notebooks are up to date")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        if names:
            print("out of date (run python examples/_build.py):", ", ".join(names))
            return 1
        return 0
    for path in write():
        print("wrote", path)
    if args.images:
        images()
    return 0


if __name__ == "__main__":
    sys.exit(main())
