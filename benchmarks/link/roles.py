"""The two programs the link benchmark runs inside its namespaces.

``python -m benchmarks.link.roles camera|hub JSON`` sets itself up, prints ``ready``,
reads one line from stdin (the schedule: when to start sending, when the measured
window opens and closes, all ``time.time()`` values, both namespaces sharing the
host's clock), runs, and prints its result as one JSON line.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from framehub import (
    H264Config,
    Hub,
    HubConfig,
    JpegConfig,
    Lifetime,
    MissingPackageError,
    PeerTimeout,
    Sender,
    SenderConfig,
)
from framehub.api.config import Pattern
from framehub.codecs.h264 import require_av

from .cells import CODECS, Codec
from .scene import CYCLE, FrameFiles, psnr

__all__ = ["BASE_PORT", "Schedule", "h264_missing", "sender_config"]

#: The hub's first port; camera ``c`` sends to ``BASE_PORT + c``. The hub's namespace
#: is the benchmark's own, so nothing else can hold them.
BASE_PORT = 5600
#: One delivered frame in this many is compared with the frame sent.
PSNR_EVERY = 4
#: How long after the window the hub keeps taking frames, so that no camera's
#: ``close()`` waits on a hub that stopped answering.
_LINGER = 1.0
#: The longest wait for the schedule once ready.
_SCHEDULE_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class Schedule:
    start: float
    measure_from: float
    until: float

    def to_json(self) -> dict[str, float]:
        return {"start": self.start, "measure_from": self.measure_from, "until": self.until}


def h264_missing() -> str | None:
    """Why the H.264 cells cannot run here (no PyAV), or None."""
    try:
        require_av()
    except MissingPackageError as exc:
        return f"H.264 codec not available (PyAV missing): {exc}"
    return None


def sender_config(codec: Codec, port: int, address: str, pattern: Pattern) -> SenderConfig:
    if codec.kind == "h264":
        return SenderConfig(
            port=port,
            address=address,
            pattern=pattern,
            codec="h264",
            h264=H264Config(bitrate=codec.bitrate, preset=codec.preset, chroma=codec.chroma),
        )
    jpeg = JpegConfig(quality=codec.quality) if codec.kind == "jpeg" else None
    return SenderConfig(port=port, address=address, pattern=pattern, jpeg=jpeg)


def _schedule() -> Schedule:
    print("ready", flush=True)
    line = sys.stdin.readline()
    if not line:
        sys.exit("no schedule: the benchmark went away")
    return Schedule(**json.loads(line))


def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


def camera(args: Mapping[str, Any]) -> dict[str, Any]:
    """Sends camera ``index``'s frames at ``fps``, as a sensor would: the frame sent is
    the one due now, and frames due while ``send()`` was busy are never sent."""
    index, cameras, fps = int(args["index"]), int(args["cameras"]), float(args["fps"])
    frames = FrameFiles(args["noise"]).load(tuple(args["size"]), index)
    phase = index * CYCLE // cameras
    config = sender_config(
        CODECS[args["codec"]], BASE_PORT + index, args["address"], args["pattern"]
    )
    sender = Sender(config)
    try:
        plan = _schedule()
        _sleep_until(plan.start)
        sent = 0
        cpu_from: float | None = None
        last_tick = -1
        while (now := time.time()) < plan.until:
            tick = int((now - plan.start) * fps)
            if tick == last_tick:
                _sleep_until(plan.start + (tick + 1) / fps)
                continue
            last_tick = tick
            if cpu_from is None and now >= plan.measure_from:
                cpu_from = time.process_time()
            step = (phase + tick) % CYCLE
            sender.send(frames[step].view(np.ndarray), message=[index, step])
            sent += cpu_from is not None
        cpu = time.process_time() - (cpu_from or time.process_time())
        stats = sender.stats
        return {"sent": sent, "cpu_s": cpu, "dropped": stats.dropped, "failures": stats.failures}
    finally:
        sender.close()


class _Quality:
    """PSNR of one delivered frame in ``PSNR_EVERY``, its CPU kept apart."""

    def __init__(self, files: FrameFiles, size: tuple[int, int], cameras: int) -> None:
        self._sent = [files.load(size, c) for c in range(cameras)]
        self._count = 0
        self.values: list[float] = []
        self.cpu_s = 0.0

    def sample(self, index: int, step: int, image: np.ndarray[Any, Any]) -> None:
        self._count += 1
        if (self._count - 1) % PSNR_EVERY:  # the first frame, then one in PSNR_EVERY
            return
        started = time.thread_time()
        self.values.append(psnr(self._sent[index][step], image))
        self.cpu_s += time.thread_time() - started


def _ms(ages: list[float], q: float) -> float | None:
    return 1000 * float(np.percentile(ages, q)) if ages else None


def hub(args: Mapping[str, Any]) -> dict[str, Any]:
    """A fast consumer: takes every frame as soon as it is decoded. The age of a frame
    is taken once ``recv()`` has returned it and its image is decoded."""
    cameras = int(args["cameras"])
    ports = tuple(BASE_PORT + c for c in range(cameras))
    quality = _Quality(FrameFiles(args["noise"]), tuple(args["size"]), cameras)
    ages: list[float] = []
    per_camera = [0] * cameras
    # (process CPU, CPU spent on PSNR) when the window opened and when it closed.
    marks: list[tuple[float, float]] = []
    with Hub(
        HubConfig(ports=ports, pattern=args["pattern"], lifetime=Lifetime.SERVICE)
    ) as receiver:
        plan = _schedule()
        while (now := time.time()) < plan.until + _LINGER:
            if len(marks) < (now >= plan.measure_from) + (now >= plan.until):
                marks.append((time.process_time(), quality.cpu_s))
            try:
                frame = receiver.recv(timeout=0.2)
            except PeerTimeout:
                continue
            if frame is None:
                break
            image = frame.image
            now = time.time()
            if not plan.measure_from <= now < plan.until:
                continue
            if frame.sent_at is not None:
                ages.append(now - frame.sent_at)
            index, step = cast(list[int], frame.message)
            per_camera[index] += 1
            quality.sample(index, step, image)
        while len(marks) < 2:
            marks.append((time.process_time(), quality.cpu_s))
    (cpu_from, psnr_from), (cpu_until, psnr_until) = marks
    finite = [v for v in quality.values if math.isfinite(v)]
    return {
        "delivered": sum(per_camera),
        "per_camera": per_camera,
        "cpu_s": (cpu_until - cpu_from) - (psnr_until - psnr_from),
        "age_ms": {"p50": _ms(ages, 50), "p99": _ms(ages, 99)},
        "psnr_db": {
            "frames": len(quality.values),
            "lossless": len(quality.values) - len(finite),
            "mean": float(np.mean(finite)) if finite else None,
            "p1": float(np.percentile(finite, 1)) if finite else None,
        },
    }


def main(argv: list[str]) -> int:
    role, args = argv[0], json.loads(argv[1])
    result = {"camera": camera, "hub": hub}[role](args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
