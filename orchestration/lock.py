"""One writer per results folder: an exclusive lock held for the life of a command.

``skibidy sweep``, ``skibidy batch`` and ``skibidy analyze`` (and the Python API) take an
exclusive :func:`fcntl.flock` on ``DIR/.skibidy.lock`` before they write anything there
and hold it until they are done. The operating system releases it when the process
ends, however it ends (a crash, SIGKILL), so a lock is never stale. A second command on
the same folder stops at once with :class:`FolderBusy` (exit code 2), naming the process
that holds it; nothing of the first one's work is touched.

The lock file stays in the folder (it records the last holder); it is not part of the
results.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from skibidy.errors import SkibidyError

__all__ = ["LOCK_NAME", "FolderBusy", "exclusive", "holder"]

LOCK_NAME = ".skibidy.lock"


class FolderBusy(SkibidyError):
    """Another process holds the results folder's lock."""


def holder(directory: str | Path) -> str:
    """Who holds (or last held) the folder's lock, as recorded in the lock file."""
    try:
        return (Path(directory) / LOCK_NAME).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def exclusive(directory: str | Path, what: str = "") -> Iterator[Path]:
    """Hold the folder's exclusive lock inside the block (the folder is created if needed).

    Parameters
    ----------
    directory : path
        The results folder.
    what : str
        What this process does there, recorded for the error of a second writer.

    Yields
    ------
    Path
        The folder.

    Raises
    ------
    FolderBusy
        Another process holds the lock (the message names it).

    Notes
    -----
    If this call created the folder and the block fails before anything but the lock
    file was written there, the folder is removed again: a refused command leaves nothing.
    """
    d = Path(directory)
    created = [p for p in (d, *d.parents) if not p.exists()]  # innermost first
    path = d / LOCK_NAME
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise SkibidyError(
            f"cannot write in {str(d)!r} ({exc.strerror or exc}); copy the folder somewhere "
            "writable, or fix its permissions"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        other = holder(d) or "another process"
        raise FolderBusy(
            f"{str(d)!r} is in use by {other}; wait until it has finished (one writer per "
            "results folder), or choose another --out"
        ) from None
    command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))
    note = (
        f"pid {os.getpid()} on {socket.gethostname()} since "
        f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} ({what or command})"
    )
    os.ftruncate(fd, 0)
    os.pwrite(fd, note.encode() + b"\n", 0)
    ok = False
    try:
        yield d
        ok = True
    finally:
        if not ok and created and {p.name for p in d.iterdir()} == {LOCK_NAME}:
            path.unlink()
            for made in created:  # this folder, then the parents this call made
                try:
                    made.rmdir()
                except OSError:
                    break
        os.close(fd)  # releases the lock
