"""A framehub server sending numbered test-pattern frames at a fixed rate.

Prints READY just before its first send and RESULT json when it stops (after
--seconds, on SIGTERM, or on an error, which is reported, not raised).
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time

import numpy as np

from framehub import JpegConfig, Sender, SenderConfig

parser = argparse.ArgumentParser()
parser.add_argument("--port", required=True)
parser.add_argument("--pattern", type=int, default=1)
parser.add_argument("--fps", type=float, default=30.0)
parser.add_argument("--seconds", type=float, default=60.0)
parser.add_argument("--size", default="120x160")
parser.add_argument("--raw", action="store_true")
parser.add_argument("--request-timeout", type=float, default=4.0)
parser.add_argument("--max-retries", type=int, default=None)
parser.add_argument("--name", default=None)
args = parser.parse_args()

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
height, width = (int(v) for v in args.size.split("x"))
rng = np.random.default_rng(int(args.port))
image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
config = SenderConfig(
    port=args.port,
    address="127.0.0.1",
    pattern=args.pattern,
    jpeg=None if args.raw else JpegConfig(),
    request_timeout=args.request_timeout,
    max_retries=args.max_retries,
    name=args.name,
)
error = None
sender = Sender(config)
print("READY", flush=True)
start = time.monotonic()
i = 0
try:
    while not stop.is_set() and time.monotonic() - start < args.seconds:
        sender.send(image, message={"i": i, "port": args.port})
        i += 1
        stop.wait(max(0.0, start + i / args.fps - time.monotonic()))
except Exception as exc:  # reported to the test, which decides
    error = f"{type(exc).__name__}: {exc}"
finally:
    sender.close()
stats = sender.stats
print(
    "RESULT "
    + json.dumps(
        {
            "handed": i,
            "sent": stats.sent,
            "acknowledged": stats.acknowledged,
            "dropped": stats.dropped,
            "failures": stats.failures,
            "error": error,
        }
    ),
    flush=True,
)
