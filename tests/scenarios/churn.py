"""Servers that connect, stream a little and disconnect, over and over, on threads.

Prints RESULT json with the cycles made and this process's descriptors, threads
and memory after the first round and at the end.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import numpy as np

from framehub import Sender, SenderConfig
from support import usage

parser = argparse.ArgumentParser()
parser.add_argument("--ports", nargs="+", required=True)
parser.add_argument("--seconds", type=float, default=60.0)
parser.add_argument("--frames", type=int, default=5)
args = parser.parse_args()


cycles = [0] * len(args.ports)
errors: list[str] = []
frame = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
start = time.monotonic()
warm = threading.Barrier(len(args.ports) + 1)


def churn(index: int, port: str) -> None:
    first = True
    while time.monotonic() - start < args.seconds:
        try:
            config = SenderConfig(port=port, address="127.0.0.1", request_timeout=2.0)
            with Sender(config) as sender:
                for i in range(args.frames):
                    sender.send(frame, message={"i": i, "port": port})
                    time.sleep(1 / 60)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        cycles[index] += 1
        if first:
            first = False
            warm.wait(30)


threads = [threading.Thread(target=churn, args=(i, p)) for i, p in enumerate(args.ports)]
for thread in threads:
    thread.start()
warm.wait(30)
time.sleep(1.0)
before = usage()
for thread in threads:
    thread.join(args.seconds + 30)
print(
    "RESULT "
    + json.dumps({"cycles": sum(cycles), "errors": errors[:5], "before": before, "after": usage()}),
    flush=True,
)
