"""A NetGear server (framehub's or vidgear's) sending numbered frames; prints RESULT json."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lib", choices=["framehub", "vidgear"], default="framehub")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", required=True)
    p.add_argument("--pattern", type=int, default=1)
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--fps", type=float, default=0.0)
    p.add_argument("--raw", action="store_true")
    p.add_argument("--gray", action="store_true")
    p.add_argument("--bidi", action="store_true")
    p.add_argument("--single", action="store_true", help="not in Multi-Servers Mode")
    p.add_argument("--message", default="", help="format string with {port} and {i}")
    p.add_argument("--size", default="48x64")
    args = p.parse_args()

    if args.lib == "vidgear":
        from vidgear.gears import NetGear
    else:
        from framehub import NetGear

    options: dict[str, object] = {"jpeg_compression": not args.raw}
    if args.gray and not args.raw:
        options["jpeg_compression"] = "GRAY"
    if not args.single:
        options["multiserver_mode"] = True
    if args.bidi:
        options["bidirectional_mode"] = True
    server = NetGear(
        address=args.address, port=args.port, protocol="tcp", pattern=args.pattern, **options
    )
    h, w = (int(v) for v in args.size.split("x"))
    shape = (h, w) if args.gray else (h, w, 3)
    replies = []
    start = time.monotonic()
    for i in range(args.frames):
        frame = np.full(shape, i % 256, np.uint8)
        message = args.message.format(port=args.port, i=i) if args.message else None
        reply = server.send(frame, message=message)
        if reply is not None:
            replies.append(reply if not isinstance(reply, np.ndarray) else reply.shape)
        if args.fps:
            time.sleep(max(0.0, start + (i + 1) / args.fps - time.monotonic()))
    server.close()
    print("RESULT " + json.dumps({"sent": args.frames, "replies": replies}), flush=True)


if __name__ == "__main__":
    main()
