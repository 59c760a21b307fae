"""A command-line process whose progress bar a test can follow while it runs."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from typing import Any, Sequence


class FollowedProcess:
    """Start ``argv`` with piped output and read its stderr in the background.

    Tests that interrupt a sweep (a signal, a killed worker or scheduler) need to know when
    some runs have arrived and more are in flight; the progress bar on stderr says so.

    Parameters
    ----------
    argv : sequence of str
        The command.
    **popen : Any
        Further arguments of :class:`subprocess.Popen` (``env``, ``start_new_session``, ...).
    """

    def __init__(self, argv: Sequence[str], **popen: Any) -> None:
        self.proc = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
        )
        self._stderr: list[str] = []
        self._reader = threading.Thread(
            target=lambda: self._stderr.extend(iter(lambda: self.proc.stderr.read(1), "")),
            daemon=True,
        )
        self._reader.start()

    @property
    def stderr(self) -> str:
        """All of stderr read so far."""
        return "".join(self._stderr)

    def wait_for(self, pattern: str, timeout: float) -> str:
        """Block until ``pattern`` (a regular expression) appears on stderr; return stderr.

        Fails the test if the process ends first or ``timeout`` seconds pass.
        """
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.stderr):
            assert self.proc.poll() is None and time.monotonic() < deadline, self.stderr
            time.sleep(0.02)
        return self.stderr

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        """Wait for the process to end; return its exit code, stdout and stderr."""
        stdout = self.proc.stdout.read()
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code, stdout, self.stderr
