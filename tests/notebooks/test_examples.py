"""The example notebooks: committed without outputs, built from their source, and they run.

Execution is headless (nbclient, the ``python3`` kernel of this environment) in a temporary
copy, so nothing is written into the repository.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
EXPECTED = {"explore_sweep", "skin_types"}


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("examples_build", EXAMPLES / "_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_notebooks_exist() -> None:
    assert EXPECTED <= {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: a cell has outputs; clear them"
            assert cell["execution_count"] is None


def test_notebooks_match_their_source() -> None:
    assert _builder().stale(EXAMPLES) == [], "run: python examples/_build.py"


@pytest.fixture()
def this_python_kernel(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernel spec for this interpreter, found before any other of that name."""
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    root = tmp_path_factory.mktemp("jupyter")
    kernelspec.write_kernel_spec(root / "kernels" / "python3")
    monkeypatch.setenv("JUPYTER_PATH", str(root))
    return "python3"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_and_draws(path: Path, tmp_path: Path, this_python_kernel: str) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    before = sorted(p.name for p in EXAMPLES.iterdir())
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name=this_python_kernel,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    streams = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "Traceback" not in streams, streams  # e.g. errors logged by Dask workers
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "the notebook drew no figure"
    assert _builder().tagged_png(nb)[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in EXAMPLES.iterdir()) == before, "the notebook wrote into examples/"
