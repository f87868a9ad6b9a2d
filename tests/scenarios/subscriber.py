"""A framehub subscriber process: prints READY once it took a frame of every camera
asked for, then takes frames until --seconds pass or SIGTERM, and prints RESULT json
with each camera's frames and its status counters."""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time

from framehub import PeerTimeout, Subscriber, SubscriberConfig

parser = argparse.ArgumentParser()
parser.add_argument("--hubs", nargs="+", required=True)
parser.add_argument("--cameras", nargs="*", default=None)
parser.add_argument("--seconds", type=float, default=30.0)
args = parser.parse_args()

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
config = SubscriberConfig(hubs=tuple(args.hubs), cameras=args.cameras, decode=False)
counts: dict[str, int] = {}
with Subscriber(config=config) as subscriber:
    start = time.monotonic()
    ready = False
    while not stop.is_set() and time.monotonic() - start < args.seconds:
        try:
            frame = subscriber.recv(timeout=0.2)
        except PeerTimeout:
            continue
        if frame is None:
            break
        counts[frame.source] = counts.get(frame.source, 0) + 1
        if not ready and len(counts) >= len(args.cameras or [None]):
            ready = True
            print("READY", flush=True)
    status = {s.source: {"frames": s.frames, "dropped": s.dropped} for s in subscriber.status()}
print("RESULT " + json.dumps({"counts": counts, "status": status}), flush=True)
