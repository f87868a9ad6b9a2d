"""What the numbers were measured on, recorded beside them."""

from __future__ import annotations

import os
import platform
import time
from importlib import metadata
from typing import Any

from ..frames import make_frames
from .cells import SIZES
from .peers.base import decode_jpeg, encode_jpeg

__all__ = ["describe"]

_PACKAGES = ("framehub", "vidgear", "imagezmq", "pyzmq", "simplejpeg", "numpy")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def decode_floor_ms(tries: int = 15) -> dict[str, float]:
    """The fastest single-threaded JPEG decode of one frame, per size: no client that
    returns decoded frames can spend less CPU per frame than this."""
    floor = {}
    for name, size in SIZES.items():
        data = encode_jpeg(make_frames(*size, count=1)[0])
        best = float("inf")
        for _ in range(tries):
            t0 = time.process_time()
            decode_jpeg(data)
            best = min(best, time.process_time() - t0)
        floor[name] = 1000 * best
    return floor


def describe() -> dict[str, Any]:
    import zmq

    versions: dict[str, str] = {"python": platform.python_version(), "libzmq": zmq.zmq_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "platform": platform.platform(),
        "versions": versions,
        "jpeg_decode_ms": decode_floor_ms(),
    }
