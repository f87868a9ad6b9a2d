"""Child processes for one run: started, watched for memory, and always killed.

Children are forked from a fork server: a fresh interpreter that has imported
every peer's library and nothing else, so a child starts in a fraction of a
second, yet begins as a user's own ``python hub.py`` would, with a pristine heap.
(Forked from the runner, children inherited the allocator state of a process that
had rendered and freed hundreds of MB of frames: glibc then served every peer's
0.9 MB receive buffers from the heap, which it does not do in a fresh process.
imagezmq's client, for one, spent half the CPU per raw frame it needs when
started afresh; ``raise_allocator_thresholds`` gives every peer that state on
purpose, for comparison.) Each child also dies with the
fork server (``PR_SET_PDEATHSIG``), which dies with the runner, so an interrupted
suite leaves nothing behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any

from framehub.transport.allocator import MMAP_THRESHOLD, TRIM_THRESHOLD

__all__ = [
    "Flock",
    "MemoryExceeded",
    "available_bytes",
    "busy_seconds",
    "cpu_seconds",
    "memory_budget",
    "private_bytes",
    "raise_allocator_thresholds",
]

_CONTEXT = multiprocessing.get_context("forkserver")
#: What the fork server imports before forking children (missing ones are skipped).
_PRELOAD = [
    "numpy",
    "zmq",
    "simplejpeg",
    "framehub",
    "vidgear.gears",
    "imagezmq",
    "benchmarks.suite.roles",
]
_CONTEXT.set_forkserver_preload(_PRELOAD)
#: glibc reads these when a process first allocates: the fork server, whose allocator
#: every child inherits. The values are the ones framehub's hub sets for itself.
_ALLOCATOR_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
}
_PR_SET_PDEATHSIG = 1
_TICK = os.sysconf("SC_CLK_TCK")
#: How often a waiting runner looks at its children's memory.
_POLL_SECONDS = 0.2


class MemoryExceeded(RuntimeError):
    """A run took more of the machine's memory than its budget."""


def available_bytes() -> int:
    """The kernel's estimate of memory available to new work (MemAvailable)."""
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def memory_budget() -> int:
    """Bytes a run may take from the machine: a third of what is available now, at most 6 GB.

    Peers that queue without bound (ZeroMQ's default high-water mark is 1000 messages
    per connection, each up to 6 MB here) could otherwise take this shared machine down.
    """
    return min(available_bytes() // 3, 6 * 1024**3)


def private_bytes(pid: int) -> int:
    """Memory ``pid`` holds for itself: pages it touched since the fork, not those it
    still shares with the fork server, nor the frames it maps."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return total


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores, /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICK


def cpu_seconds(stat: str) -> float:
    """User plus system CPU seconds from a ``/proc/<pid>[/task/<tid>]/stat`` path; 0 if gone."""
    try:
        with open(stat) as file:
            # The command name may hold spaces: count fields after its closing ")".
            fields = file.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def raise_allocator_thresholds() -> None:
    """Give every child the allocator thresholds framehub's hub sets for itself, so that
    peers are measured as if their users had tuned glibc too. Call before the first
    child starts: the fork server reads its environment once."""
    os.environ.update(_ALLOCATOR_ENV)


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the children's own deadlines still end them


def _child(log: Path, target: Callable[..., Any], *args: Any) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the runner's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    target(*args)


class Flock:
    """The processes of one run. Use as a context manager: leaving it kills them all."""

    def __init__(self, log: Path, budget: int) -> None:
        self._log = log
        self._budget = budget
        self._procs: list[BaseProcess] = []
        self._baseline = available_bytes()
        #: The most the client held for itself while it was watched.
        self.client_peak_bytes = 0

    def start(self, target: Callable[..., Any], *args: Any) -> BaseProcess:
        proc = _CONTEXT.Process(target=_child, args=(self._log, target, *args), daemon=True)
        proc.start()
        self._procs.append(proc)
        return proc

    def cpu_seconds(self, procs: Sequence[BaseProcess] | None = None) -> float:
        """CPU the run's processes (or ``procs``) have used so far: children start
        from zero."""
        chosen = self._procs if procs is None else procs
        return sum(cpu_seconds(f"/proc/{p.pid}/stat") for p in chosen if p.pid is not None)

    def await_message(self, conn: Connection, client: BaseProcess, timeout: float) -> Any:
        """The client's next message; raises TimeoutError, MemoryExceeded or EOFError."""
        deadline = time.monotonic() + timeout
        while not conn.poll(_POLL_SECONDS):
            # Two small reads per poll: the watching must not cost the run its CPU.
            taken = self._baseline - available_bytes()
            if taken > self._budget:
                raise MemoryExceeded(
                    f"the run took {taken / 1e9:.1f} GB > budget {self._budget / 1e9:.1f} GB"
                )
            if client.pid is not None:
                self.client_peak_bytes = max(self.client_peak_bytes, private_bytes(client.pid))
            if not client.is_alive() and not conn.poll(0):
                raise EOFError(f"client exited with code {client.exitcode} without a result")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the client within {timeout:.0f} s")
        return conn.recv()

    def __enter__(self) -> Flock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
        for proc in self._procs:
            proc.join(5.0)
            if proc.exitcode is not None:
                proc.close()
