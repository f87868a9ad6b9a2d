"""Runs a plan: every cell, ``repeat`` times, the peers interleaved (A B C D A B C D ...)
so that the machine's drift over minutes hits every peer alike."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

from .bank import FrameBank
from .cells import Cell, Timing, timing
from .peers.netgear import FRAMEHUB_OPTIONS
from .processes import Flock, MemoryExceeded, busy_seconds
from .roles import WINDOW, Job, client_main, server_main

__all__ = ["Record", "Session", "expected_seconds", "run_cell", "run_once", "settle"]

Record = dict[str, Any]
#: How long a client may take to bind its ports and say READY.
_READY_SECONDS = 15.0
#: --settle measures the machine's other load over this long at a time ...
_SETTLE_SLICE = 0.5
#: ... and gives up waiting for it to drop after this long (the run is then noisy,
#: and its ``others_cores`` says so).
_SETTLE_LONGEST = 30.0


@dataclass(slots=True)
class Session:
    """What every run of one suite shares."""

    quick: bool
    #: Where the children's output goes.
    log: Path
    #: Bytes of memory a run may take from the machine.
    budget: int
    #: Before each run, wait for other processes to use at most this many cores.
    settle: float | None = None
    bank: FrameBank = field(default_factory=FrameBank)


def settle(threshold: float) -> tuple[float, float]:
    """Wait until other processes use at most ``threshold`` cores, or ``_SETTLE_LONGEST``
    seconds; the seconds waited and the load last measured."""
    started = time.monotonic()
    while True:
        busy0, own0 = busy_seconds(), time.process_time()
        time.sleep(_SETTLE_SLICE)
        own = time.process_time() - own0
        others = max(0.0, busy_seconds() - busy0 - own) / _SETTLE_SLICE
        waited = time.monotonic() - started
        if others <= threshold or waited >= _SETTLE_LONGEST:
            return waited, others


def free_ports(count: int) -> tuple[int, ...]:
    """Ports the OS has just handed out; held together so that they are distinct."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return tuple(sock.getsockname()[1] for sock in socks)
    finally:
        for sock in socks:
            sock.close()


def expected_seconds(cell: Cell, quick: bool) -> float:
    """A run's usual wall time, for the estimate printed before a suite starts: forking,
    connecting and first frames (about 0.1 s a server in a full run here), warm-up,
    window, teardown."""
    t = timing(cell, quick)
    servers = 0 if cell.kind == "idle" else cell.servers
    return 0.4 + 0.1 * servers + t.warmup + t.window


def run_once(
    peer: str,
    cell: Cell,
    session: Session,
    run_timing: Timing | None = None,
    on_started: Callable[[int, list[int]], None] | None = None,
) -> dict[str, Any]:
    """One peer on one cell: the client's result, or ``{"error": ...}``.

    ``run_timing`` replaces the cell's usual timing; ``on_started`` is given the
    client's pid and the servers' once every server has started (to attach a profiler).
    """
    job = Job(
        peer,
        cell,
        run_timing or timing(cell, session.quick),
        free_ports(cell.servers),
        dict(FRAMEHUB_OPTIONS),
    )
    servers = 0 if cell.kind == "idle" else cell.servers
    frames = [session.bank.for_server(cell.resolution, i) for i in range(servers)]
    receive, send = Pipe(duplex=False)
    flock = Flock(session.log, session.budget)
    busy0, own0, wall0 = busy_seconds(), time.process_time(), time.monotonic()
    try:
        with flock:
            client = flock.start(client_main, job, send)
            if flock.await_message(receive, client, _READY_SECONDS) != "ready":
                return {"error": "client failed to start (see the log)"}
            started = [flock.start(server_main, job, i, frames[i]) for i in range(servers)]
            if on_started is not None and client.pid is not None:
                on_started(client.pid, [p.pid for p in started if p.pid is not None])
            message = flock.await_message(receive, client, job.timing.bound)
            servers0 = None
            if message == WINDOW:
                # On one host the servers' CPU is taken from the client: measure it too.
                servers0 = flock.cpu_seconds(started)
                message = flock.await_message(receive, client, job.timing.bound)
            result: dict[str, Any] = dict(message)
            if servers0 is not None and result.get("frames"):
                spent = flock.cpu_seconds(started) - servers0
                result["servers_cpu_ms_per_frame"] = 1000 * spent / result["frames"]
            # What the rest of the machine took meanwhile: the noise this run had to bear.
            ours = flock.cpu_seconds() + time.process_time() - own0
            others = busy_seconds() - busy0 - ours
            result["others_cores"] = max(0.0, others) / (time.monotonic() - wall0)
    except (TimeoutError, MemoryExceeded, EOFError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        receive.close()
        send.close()
    result["client_peak_mb"] = flock.client_peak_bytes / 1e6
    return result


def run_cell(
    cell: Cell,
    peers: Sequence[str],
    repeat: int,
    session: Session,
    progress: Callable[[Record], None],
) -> list[Record]:
    records = []
    for round_ in range(repeat):
        for peer in peers:
            waited = None
            if session.settle is not None:
                waited, _ = settle(session.settle)
            started = time.monotonic()
            result = run_once(peer, cell, session)
            if waited is not None:
                result["settled_s"] = waited
            record = {
                "cell": cell.to_json(),
                "peer": peer,
                "round": round_,
                "wall_s": time.monotonic() - started,
                "result": result,
            }
            progress(record)
            records.append(record)
    return records
