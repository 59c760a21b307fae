"""Run docker-compose.yml's services as real processes on 127.0.0.1 (helpers for the tests).

There is no Docker engine in CI, so these tests read each service's ``command``
from the compose files and run that very command here, changed only where a
container differs from this machine: the ``dask`` console script becomes
``python -m dask`` of this interpreter, the service host ``scheduler`` and the
published ports become 127.0.0.1 and free ports, ``--host 0.0.0.0`` becomes
127.0.0.1 (workers get ``--host 127.0.0.1`` too, where a container would use its
own network address), and ``/certs/...`` becomes a temporary certificate
directory. Every process is started in its own session and its whole process
group is terminated by the fixture's finalizer.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_TLS = ROOT / "docker-compose.tls.yml"
START_TIMEOUT = 60.0


class Override(list):
    """A sequence tagged ``!override`` in a compose file (it replaces, not extends)."""


class ComposeLoader(yaml.SafeLoader):
    """pyyaml's safe loader plus Docker Compose's ``!override`` and ``!reset`` tags."""


def _override(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return Override(loader.construct_sequence(node))


def _reset(loader: yaml.SafeLoader, node: yaml.Node) -> None:
    return None


ComposeLoader.add_constructor("!override", _override)
ComposeLoader.add_constructor("!reset", _reset)


def load_compose(path: Path) -> dict[str, Any]:
    """Parse a compose file (anchors, merge keys and compose tags resolved)."""
    return yaml.load(path.read_text(), Loader=ComposeLoader)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def adapt_command(
    command: Sequence[str], *, scheduler_port: int, certs: Path | None = None,
    role: str, local_directory: Path | None = None,
) -> list[str]:
    """Turn a compose service ``command`` into the same command on this machine.

    Parameters
    ----------
    command
        The service's ``command`` list from the compose file.
    scheduler_port
        The free port that stands for the scheduler's 8786.
    certs
        The directory that stands for the containers' ``/certs``.
    role
        ``"scheduler"`` or ``"worker"``.
    local_directory
        Scratch directory for a worker.
    """
    assert command[0] == "dask", f"compose commands start with the dask console script: {command}"
    out = [sys.executable, "-m", "dask", *command[1:]]
    replace = {
        "0.0.0.0": "127.0.0.1",
        "8786": str(scheduler_port),
        ":8787": "127.0.0.1:0",
        "tcp://scheduler:8786": f"tcp://127.0.0.1:{scheduler_port}",
        "tls://scheduler:8786": f"tls://127.0.0.1:{scheduler_port}",
    }
    out = [replace.get(arg, arg) for arg in out]
    if certs is not None:
        out = [str(certs / arg[len("/certs/"):]) if arg.startswith("/certs/") else arg for arg in out]
    if role == "worker":
        out += ["--host", "127.0.0.1"]
        if local_directory is not None:
            out += ["--local-directory", str(local_directory)]
    leftovers = [a for a in out if "scheduler:" in a or a.startswith("/certs") or a == "0.0.0.0"]
    assert not leftovers, f"container-only values left in {out}"
    return out


def adapt_service_command(command: Sequence[str], *, address: str, root: Path) -> list[str]:
    """Turn the compose ``service`` command (``skibidy serve ...``) into the same command here.

    The console script becomes ``python -m skibidy`` of this interpreter, the scheduler
    ``address`` replaces ``tcp://scheduler:8786`` and ``root`` replaces ``/results``.
    """
    assert list(command[:2]) == ["skibidy", "serve"], f"the service runs skibidy serve: {command}"
    replace = {"tcp://scheduler:8786": address, "/results": str(root)}
    out = [sys.executable, "-m", "skibidy", *(replace.get(a, a) for a in command[1:])]
    leftovers = [a for a in out if "scheduler:" in a or a == "/results"]
    assert not leftovers, f"container-only values left in {out}"
    return out


@dataclass
class ProcessCluster:
    """A scheduler and workers started from compose commands, and how to reach them."""

    address: str
    scheduler_command: list[str]
    worker_commands: list[list[str]]
    logs: list[Path] = field(default_factory=list)

    def log_text(self) -> str:
        """The processes' combined output, for failure messages."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs)


class Processes:
    """Processes started for one test module, stopped together by its fixture."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, name: str, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        log = self.log_dir / f"{name}.log"
        self.logs.append(log)
        with open(log, "wb") as fh:
            proc = subprocess.Popen(
                list(argv), stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=self.log_dir,
            )
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):  # workers first, the scheduler last
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)  # the nanny's children too, if any remain
            proc.wait(timeout=10)


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # its own session: the group id is its pid
    except ProcessLookupError:
        pass


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"scheduler exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"scheduler did not listen on {port} within {START_TIMEOUT} s:\n{log.read_text()}")


def start_process_cluster(
    processes: Processes, compose: dict[str, Any], *, n_workers: int, certs: Path | None,
    wait: Callable[[str, float], None], worker_args: Sequence[str] = (),
) -> ProcessCluster:
    """Start the scheduler and ``n_workers`` workers of ``compose``; ``wait`` until ready.

    ``wait(address, timeout)`` must raise unless the workers arrived within
    ``timeout`` seconds; it is retried until :data:`START_TIMEOUT`, and the start
    fails at once, with the logs, when a process exits.

    ``worker_args`` are appended to every worker command (tests use it for ``--preload``).
    """
    port = free_port()
    services = compose["services"]
    scheduler = adapt_command(services["scheduler"]["command"], scheduler_port=port, certs=certs, role="scheduler")
    proc = processes.start("scheduler", scheduler)
    _wait_for_port(port, proc, processes.logs[-1])
    workers = []
    for i in range(n_workers):
        scratch = processes.log_dir / f"worker-{i}"
        scratch.mkdir(exist_ok=True)
        argv = adapt_command(
            services["worker"]["command"], scheduler_port=port, certs=certs, role="worker",
            local_directory=scratch,
        ) + list(worker_args)
        processes.start(f"worker-{i}", argv)
        workers.append(argv)
    protocol = "tls" if "tls" in scheduler else "tcp"
    cluster = ProcessCluster(f"{protocol}://127.0.0.1:{port}", scheduler, workers, processes.logs)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        dead = [p.args for p in processes.procs if p.poll() is not None]
        if dead:
            raise RuntimeError(f"a cluster process exited: {dead[0]}\n{cluster.log_text()}")
        try:
            wait(cluster.address, 2.0)
            return cluster
        except Exception as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster did not become ready: {exc}\n{cluster.log_text()}") from exc


def merged_compose(*paths: Path) -> dict[str, Any]:
    """Compose's merge of several files, for the keys these tests use.

    ``command`` and ``!override`` sequences replace, ``environment`` mappings
    merge, and ``volumes`` merge by container path, as ``docker compose -f a -f b``.
    """
    merged: dict[str, Any] = {"services": {}}
    for path in paths:
        doc = load_compose(path)
        for name, service in doc.get("services", {}).items():
            target = merged["services"].setdefault(name, {})
            for key, value in service.items():
                if key == "environment":
                    target[key] = {**target.get(key, {}), **value}
                elif key == "volumes" and not isinstance(value, Override):
                    by_target = {v.split(":")[1]: v for v in target.get(key, [])}
                    by_target.update({v.split(":")[1]: v for v in value})
                    target[key] = list(by_target.values())
                elif key == "ports" and not isinstance(value, Override):
                    target[key] = [*target.get(key, []), *value]
                else:
                    target[key] = value
    return merged


def hidden_from(argv: Sequence[str], directory: Path) -> list[str]:
    """``argv`` run in its own mount namespace with an empty tmpfs over ``directory``.

    The process (a Dask worker) then cannot see what this machine keeps there, as a
    worker on another host cannot see the client's disk. Needs root and ``unshare``.
    """
    script = 'mount -t tmpfs skibidy-hidden "$0" && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
            str(directory), *argv]


def can_hide_directories() -> bool:
    """True if :func:`hidden_from` works here (root, ``unshare`` and tmpfs allowed)."""
    import shutil
    import tempfile

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as d:
        probe = subprocess.run(hidden_from(["true"], Path(d)), capture_output=True, timeout=30)
    return probe.returncode == 0


def start_dask_cluster(
    processes: Processes, n_workers: int, *, hide: Path | None = None,
    worker_args: Sequence[str] = (),
) -> str:
    """Start ``dask scheduler`` and ``n_workers`` ``dask worker`` processes on 127.0.0.1.

    Parameters
    ----------
    processes
        Owner of the processes (its ``stop()`` ends them).
    n_workers
        Single-threaded workers (each with a nanny, as ``dask worker`` starts them).
    hide
        A directory the workers must not see (see :func:`hidden_from`).
    worker_args
        Extra ``dask worker`` options.

    Returns
    -------
    str
        The scheduler address, once every worker has arrived.
    """
    port = free_port()
    scheduler = processes.start("scheduler", [
        sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
        "--no-dashboard",
    ])
    _wait_for_port(port, scheduler, processes.logs[-1])
    address = f"tcp://127.0.0.1:{port}"
    for i in range(n_workers):
        scratch = processes.log_dir / f"worker-{i}"
        scratch.mkdir(exist_ok=True)
        argv = [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(scratch),
                *worker_args]
        processes.start(f"worker-{i}", hidden_from(argv, hide) if hide is not None else argv)
    from distributed import Client

    with Client(address, timeout=START_TIMEOUT) as client:
        client.wait_for_workers(n_workers, timeout=START_TIMEOUT)
    return address
