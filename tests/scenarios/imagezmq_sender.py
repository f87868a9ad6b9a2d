"""An unmodified imagezmq 1.2.0 ImageSender sending frames filled with their index.

REQ/REP (the default) connects to --address; --pubsub binds a PUB socket there.
Prints READY once its socket is set up, and RESULT json (frames sent, replies
seen) when it stops: after --frames, --seconds, or on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time

import cv2
import imagezmq
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--address", required=True)
parser.add_argument("--name", required=True)
parser.add_argument("--pubsub", action="store_true")
parser.add_argument("--jpg", action="store_true")
parser.add_argument("--frames", type=int, default=0, help="0: until --seconds or SIGTERM")
parser.add_argument("--seconds", type=float, default=60.0)
parser.add_argument("--fps", type=float, default=30.0)
parser.add_argument("--size", default="48x64")
args = parser.parse_args()

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
height, width = (int(v) for v in args.size.split("x"))
sender = imagezmq.ImageSender(connect_to=args.address, REQ_REP=not args.pubsub)
print("READY", flush=True)
replies: dict[str, int] = {}
start = time.monotonic()
i = 0
while not stop.is_set() and time.monotonic() - start < args.seconds:
    if args.frames and i >= args.frames:
        break
    image = np.full((height, width, 3), i % 256, dtype=np.uint8)
    if args.jpg:
        reply = sender.send_jpg(args.name, cv2.imencode(".jpg", image)[1].tobytes())
    else:
        reply = sender.send_image(args.name, image)
    if reply is not None:
        replies[reply.decode()] = replies.get(reply.decode(), 0) + 1
    i += 1
    stop.wait(max(0.0, start + i / args.fps - time.monotonic()))
sender.close()
print("RESULT " + json.dumps({"sent": i, "replies": replies}), flush=True)
