"""A framehub hub process: prints READY once bound, then FRAME lines for the first
frame of each server and each time a server comes back, and RESULT json at the end."""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time

from framehub import Hub, HubConfig, Lifetime, PeerTimeout

parser = argparse.ArgumentParser()
parser.add_argument("--ports", nargs="+", required=True)
parser.add_argument("--pattern", type=int, default=1)
parser.add_argument("--seconds", type=float, default=60.0)
args = parser.parse_args()

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
hub = Hub(
    HubConfig(
        ports=tuple(args.ports),
        address="127.0.0.1",
        pattern=args.pattern,
        lifetime=Lifetime.SERVICE,
    )
)
print("READY", flush=True)
counts: dict[str, int] = {}
start = time.monotonic()
while not stop.is_set() and time.monotonic() - start < args.seconds:
    try:
        frame = hub.recv(timeout=0.2)
    except PeerTimeout:
        continue
    if frame is None:
        break
    if frame.source not in counts:
        print(f"FRAME {frame.source} {time.monotonic():.3f}", flush=True)
    counts[frame.source] = counts.get(frame.source, 0) + 1
hub.close()
print("RESULT " + json.dumps({"counts": counts}), flush=True)
