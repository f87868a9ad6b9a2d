"""One cell: the hub and the cameras started in their namespaces, a schedule handed
to all of them, the link's counters read at the window's edges, the results joined."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .cells import Cell
from .netns import HUB_ADDRESS, Link, Shaping
from .roles import Schedule
from .scene import FrameFiles

__all__ = ["Timing", "run_cell"]

#: How long every process may take to start (8 interpreters importing numpy and
#: framehub on 2 busy cores) and to finish after the window.
_START_TIMEOUT = 60.0
_FINISH_TIMEOUT = 30.0
#: From the schedule being handed out to the first frame sent.
_LEAD = 0.3


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds of warm-up (sent, not measured: queues fill, the encoders and TCP settle)
    and of the measured window."""

    warmup: float
    seconds: float


class _Child:
    """One role in one namespace, talking over its stdin and stdout."""

    def __init__(self, name: str, command: list[str], log: IO[str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
        )

    def line(self, deadline: float) -> str:
        stdout = self.process.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError(f"no answer from the {self.name}")
                line = stdout.readline()
                if not line:
                    code = self.process.wait(_FINISH_TIMEOUT)
                    raise RuntimeError(f"the {self.name} exited with {code} (see the log)")
                if line.strip():
                    return line.strip()

    def tell(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(_FINISH_TIMEOUT)


def _role(link: Link, role: str, args: dict[str, Any], log: IO[str]) -> _Child:
    argv = [sys.executable, "-m", "benchmarks.link.roles", role, json.dumps(args)]
    wrap = link.hub_command if role == "hub" else link.camera_command
    return _Child(role, wrap(argv), log)


def _ready(children: Sequence[_Child]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    for child in children:
        if child.line(deadline) != "ready":
            raise RuntimeError("a process said something other than ready (see the log)")


def _results(children: Sequence[_Child]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + _FINISH_TIMEOUT
    return [json.loads(child.line(deadline)) for child in children]


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def run_cell(
    cell: Cell, link: Link, files: FrameFiles, timing: Timing, log: Path
) -> dict[str, Any]:
    """Measures ``cell`` (its frames already in ``files``); the result has ``error``
    instead when a process failed."""
    link.shape(Shaping(cell.rate))
    common = {
        "cameras": cell.cameras,
        "size": list(cell.size),
        "fps": cell.fps,
        "noise": files.noise,
        "pattern": cell.pattern,
    }
    children: list[_Child] = []
    with log.open("a") as out:
        out.write(f"--- {cell.key}\n")
        out.flush()
        try:
            hub = _role(link, "hub", common, out)
            children.append(hub)
            _ready([hub])
            cameras = [
                _role(
                    link,
                    "camera",
                    {**common, "index": i, "codec": cell.codec, "address": HUB_ADDRESS},
                    out,
                )
                for i in range(cell.cameras)
            ]
            children += cameras
            _ready(cameras)
            start = time.time() + _LEAD
            plan = Schedule(start, start + timing.warmup, start + timing.warmup + timing.seconds)
            for child in children:
                child.tell(json.dumps(plan.to_json()))
            _sleep_until(plan.measure_from)
            sent_from, drops_from = link.sent_bytes(), link.dropped_packets()
            _sleep_until(plan.until)
            sent_until, drops_until = link.sent_bytes(), link.dropped_packets()
            hub_result, *camera_results = _results([hub, *cameras])
        except (OSError, RuntimeError, TimeoutError, ValueError) as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            for child in children:
                child.kill()
    return _combine(
        cell,
        timing,
        hub_result,
        camera_results,
        link_bytes=sent_until - sent_from,
        shaper_drops=drops_until - drops_from,
    )


def _combine(
    cell: Cell,
    timing: Timing,
    hub: dict[str, Any],
    cameras: Sequence[dict[str, Any]],
    *,
    link_bytes: int,
    shaper_drops: int,
) -> dict[str, Any]:
    due = cell.cameras * cell.fps * timing.seconds
    delivered = hub["delivered"]
    sent = sum(c["sent"] for c in cameras)
    return {
        "due": due,
        "sent": sent,
        "delivered": delivered,
        "delivered_ratio": delivered / due,
        "fps": delivered / timing.seconds,
        "per_camera": hub["per_camera"],
        "link_bytes_per_frame": link_bytes / delivered if delivered else None,
        "link_mbit": link_bytes * 8 / timing.seconds / 1e6,
        "shaper_drops": shaper_drops,
        "age_ms": hub["age_ms"],
        "psnr_db": hub["psnr_db"],
        "camera_cpu_ms_per_frame": (
            1000 * sum(c["cpu_s"] for c in cameras) / sent if sent else None
        ),
        "hub_cpu_ms_per_frame": 1000 * hub["cpu_s"] / delivered if delivered else None,
        "camera_dropped": sum(c["dropped"] for c in cameras),
    }
