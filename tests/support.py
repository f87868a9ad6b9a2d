"""Helpers shared by the tests: free ports, child processes with readiness handshakes."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TESTS = Path(__file__).parent
SCENARIOS = TESTS / "scenarios"


def free_ports(count: int) -> list[int]:
    """Ports the OS says are free right now on 127.0.0.1 (all distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Child:
    """A Python child process whose stdout is read line by line in the background.

    ``script`` is a file in ``scenarios/``, or, with ``module=True``, a module run with
    ``python -m`` (``Child("framehub", ["demo", ...], module=True)``).
    """

    def __init__(
        self,
        script: str,
        args: Sequence[str],
        env: dict[str, str] | None = None,
        *,
        module: bool = False,
    ):
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        # Children import the test helpers (e.g. sources.videos) like the tests do.
        path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, *(["-m", script] if module else [str(SCENARIOS / script)]), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.output.append(line.rstrip("\n"))
                self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, marker: str, timeout: float = 15.0) -> str:
        """Block until a line starting with ``marker`` appears; fail with the output if not."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {marker!r} within {timeout}s:\n" + self.text())
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"exited before {marker!r}:\n" + self.text())
            if line.startswith(marker):
                return line

    def result(self, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for the exit and return the JSON printed after 'RESULT '."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"did not exit within {timeout}s:\n" + self.text()) from None
        self._reader.join(5)
        for line in reversed(self.output):
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])  # type: ignore[no-any-return]
        raise AssertionError(f"exit {self.proc.returncode} without a RESULT:\n" + self.text())

    def text(self) -> str:
        return "\n".join(self.output[-60:])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        self._reader.join(5)


def frame_index(frame: Any) -> int:
    """Frames in the scenarios are filled with their index; JPEG moves it by a level or two."""
    return round(float(frame.mean()))
