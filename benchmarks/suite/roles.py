"""The code that runs inside the child processes: one client and N servers per run.

Both loops are the same for every peer; only the adapter's ``recv``/``send`` differ.
Each process ends with ``os._exit`` so that no library's exit handler (vidgear's
client can hang in close() while servers still stream) stretches a run.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, NoReturn

import numpy as np

from .bank import FrameCycle
from .cells import Cell, Timing
from .peers import PEERS
from .peers.base import Frame, Receiver, Wiring
from .peers.netgear import FRAMEHUB_OPTIONS

__all__ = ["WINDOW", "Job", "client_main", "server_main"]

Result = dict[str, Any]
#: The client's word to the runner that its measured window starts now.
WINDOW = "window"


@dataclass(frozen=True, slots=True)
class Job:
    """One run of one peer on one cell."""

    peer: str
    cell: Cell
    timing: Timing
    ports: tuple[int, ...]
    #: ``--framehub`` options: set in each child, which does not share the runner's memory.
    framehub_options: dict[str, Any] = field(default_factory=dict)

    @property
    def wiring(self) -> Wiring:
        return Wiring(self.cell.pattern, self.cell.jpeg, self.ports)


def client_main(job: Job, conn: Connection) -> NoReturn:
    """Open the peer's client, say READY, measure, send the result, exit."""
    code = 0
    try:
        FRAMEHUB_OPTIONS.update(job.framehub_options)
        receiver = PEERS[job.peer].open_receiver(job.wiring)
        conn.send("ready")
        if job.cell.kind == "idle":
            conn.send(_idle(receiver, job.timing))
        elif job.cell.kind == "slow":
            conn.send(_consume(receiver, job, lambda: conn.send(WINDOW)))
        else:
            conn.send(_receive(receiver, job, lambda: conn.send(WINDOW)))
    except BaseException as exc:
        traceback.print_exc()
        conn.send({"error": f"client: {type(exc).__name__}: {exc}"})
        code = 1
    _exit(code)


def server_main(job: Job, index: int, cycle: FrameCycle) -> NoReturn:
    """Send the ``cycle``'s frames round and round, flat out or at the cell's rate, until killed."""
    code = 0
    try:
        FRAMEHUB_OPTIONS.update(job.framehub_options)
        frames = cycle.load()
        transmitter = PEERS[job.peer].open_transmitter(job.wiring, index)
        period = 1.0 / job.cell.rate if job.cell.rate else 0.0
        # Cameras are not synchronised: spread the servers' phases over one period.
        next_at = time.monotonic() + period * index / job.cell.servers
        stop_at = time.monotonic() + job.timing.bound
        sent = 0
        while (now := time.monotonic()) < stop_at:
            if period:
                if next_at > now:
                    time.sleep(next_at - now)
                # A server that fell behind sends its next frame at once, but never bursts.
                next_at = max(next_at + period, time.monotonic())
            transmitter.send(frames[sent % len(frames)], time.time(), sent)
            sent += 1
    except BaseException:
        traceback.print_exc()
        code = 1
    _exit(code)


def _exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)


class _Tally:
    """The frames one client received: how many from each server, their ages, and the
    span of each server's sequence numbers (from which the frames lost)."""

    def __init__(self, servers: int) -> None:
        self.counts = [0] * servers
        self.ages: list[float] = []
        self._first = [-1] * servers
        self._last = [-1] * servers

    def add(self, index: int, age: float, seq: int) -> None:
        self.counts[index] += 1
        self.ages.append(age)
        if self._first[index] < 0 or seq < self._first[index]:
            self._first[index] = seq
        if seq > self._last[index]:
            self._last[index] = seq

    def summary(self, seconds: float, cpu: float) -> Result:
        """Frames, rate, fairness, CPU, ages and losses over ``seconds`` of this tally."""
        counts = self.counts
        frames = sum(counts)
        lost = self.lost()
        return {
            "frames": frames,
            "seconds": seconds,
            "fps": frames / seconds,
            "counts": counts,
            "fairness": min(counts) / max(counts) if max(counts) else 0.0,
            "cpu_percent": 100.0 * cpu / seconds,
            "cpu_ms_per_frame": 1000.0 * cpu / frames if frames else None,
            "latency_ms": _percentiles(self.ages),
            "lost": sum(lost),
            "lost_by_server": lost,
        }

    def lost(self) -> list[int]:
        """Per server, the frames it handed to send() between the first and the last
        this client received that never reached recv(); those sent after the last one
        received are not counted (the run ended)."""
        return [
            last - first + 1 - count if count else 0
            for first, last, count in zip(self._first, self._last, self.counts, strict=True)
        ]


def _receive(receiver: Receiver, job: Job, window_starts: Callable[[], None]) -> Result:
    """Wait until every server has been heard from (or ``startup`` passed), warm up,
    then count frames and their ages over the window. Every frame from the first one
    received is also counted for the whole run (start-up and warm-up included)."""
    cell, timing = job.cell, job.timing
    width, height = cell.resolution
    shape = (height, width, 3)
    servers = cell.servers
    window, run = _Tally(servers), _Tally(servers)
    seen: set[int] = set()
    began = time.monotonic()
    give_up = began + timing.startup
    while len(seen) < servers:
        index, stamp, seq, frame = receiver.recv()
        run.add(index, time.time() - stamp, seq)
        _check(frame, shape)
        seen.add(index)
        if time.monotonic() >= give_up:
            break
    heard = time.monotonic()
    window_at = heard + timing.warmup
    while time.monotonic() < window_at:
        index, stamp, seq, frame = receiver.recv()
        run.add(index, time.time() - stamp, seq)
        _check(frame, shape)
    window_starts()
    cpu0, t0 = time.process_time(), time.monotonic()
    end_at = t0 + timing.window
    while True:
        index, stamp, seq, frame = receiver.recv()
        now = time.monotonic()
        age = time.time() - stamp
        if now >= end_at:
            break
        _check(frame, shape)
        window.add(index, age, seq)
        run.add(index, age, seq)
    cpu = time.process_time() - cpu0
    lost = run.lost()
    return {
        **window.summary(now - t0, cpu),
        "seen": len(seen),
        "startup_s": heard - began,
        # From the first frame received to the window's end: start-up and warm-up included.
        "latency_run_ms": _percentiles(run.ages),
        "run_frames": sum(run.counts),
        "lost": sum(lost),
        "lost_by_server": lost,
    }


def _consume(receiver: Receiver, job: Job, window_starts: Callable[[], None]) -> Result:
    """A slow consumer: after each recv() the client spends the cell's time on the frame
    (a sleep, standing in for a detector or a display). Everything counts, from the
    first frame received to the window's end: start-up is what a user sees first."""
    cell = job.cell
    width, height = cell.resolution
    shape = (height, width, 3)
    servers = cell.servers
    tally = _Tally(servers)
    seen: set[int] = set()
    began = time.monotonic()
    index, stamp, seq, frame = receiver.recv()
    age = time.time() - stamp
    window_starts()
    cpu0, t0 = time.process_time(), time.monotonic()
    first_s, heard_s = t0 - began, None
    end_at = t0 + job.timing.window
    while True:
        _check(frame, shape)
        tally.add(index, age, seq)
        if heard_s is None:
            seen.add(index)
            if len(seen) == servers:
                heard_s = time.monotonic() - began
        time.sleep(cell.consume_s)
        index, stamp, seq, frame = receiver.recv()
        now = time.monotonic()
        age = time.time() - stamp
        if now >= end_at:
            break
    cpu = time.process_time() - cpu0
    return {
        # fps: frames delivered per second, what the consumer took of those offered.
        **tally.summary(now - t0, cpu),
        "seen": len(seen),
        # From the client's READY (the servers start then) to its first frame, and to
        # a frame from every server (None: some server never got one through).
        "first_frame_s": first_s,
        "startup_s": heard_s,
    }


def _check(frame: Frame, shape: tuple[int, int, int]) -> None:
    # A wrong frame would make every number a lie: check each one (it costs nothing).
    if frame.shape != shape or frame.dtype != np.uint8:
        raise ValueError(f"received a {frame.dtype} frame of shape {frame.shape}, not {shape}")


def _percentiles(ages: list[float]) -> dict[str, float] | None:
    if not ages:
        return None
    ms = np.asarray(ages) * 1000.0
    p50, p90, p99 = np.percentile(ms, [50, 90, 99])
    return {
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
        "max": float(ms.max()),
        "n": len(ms),
    }


def _idle(receiver: Receiver, timing: Timing) -> Result:
    """CPU of a client blocked in recv() with no server at all."""
    threading.Thread(target=receiver.recv, daemon=True).start()
    time.sleep(timing.warmup)
    cpu0, t0 = time.process_time(), time.monotonic()
    time.sleep(timing.window)
    seconds = time.monotonic() - t0
    return {"seconds": seconds, "cpu_percent": 100.0 * (time.process_time() - cpu0) / seconds}
