"""A NetGear server (framehub's or vidgear's) sending numbered frames; prints RESULT json."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import secure_options


def jsonable(reply: Any) -> Any:
    """Arrays as their shape; tuples and lists (Multi-Clients replies) element by element."""
    if isinstance(reply, np.ndarray):
        return list(reply.shape)
    if isinstance(reply, tuple | list):
        return [jsonable(item) for item in reply]
    return reply


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lib", choices=["framehub", "vidgear"], default="framehub")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", required=True, nargs="+", help="several: Multi-Clients Mode")
    p.add_argument("--broadcast", action="store_true", help="framehub's multiclient_broadcast")
    p.add_argument("--pattern", type=int, default=1)
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--fps", type=float, default=0.0)
    p.add_argument("--raw", action="store_true")
    secure_options.add_arguments(p)
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
    port = args.port[0]
    if len(args.port) > 1:
        options["multiclient_mode"] = True
        port = args.port
        if args.broadcast:
            options["multiclient_broadcast"] = True
    elif not args.single:
        options["multiserver_mode"] = True
    if args.bidi:
        options["bidirectional_mode"] = True
    secure_options.add_options(options, args)
    server = NetGear(
        address=args.address, port=port, protocol="tcp", pattern=args.pattern, **options
    )
    h, w = (int(v) for v in args.size.split("x"))
    shape = (h, w) if args.gray else (h, w, 3)
    replies = []
    start = time.monotonic()
    for i in range(args.frames):
        frame = np.full(shape, i % 256, np.uint8)
        message = args.message.format(port=args.port[0], i=i) if args.message else None
        reply = server.send(frame, message=message)
        if reply is not None:
            replies.append(jsonable(reply))
        if args.fps:
            time.sleep(max(0.0, start + (i + 1) / args.fps - time.monotonic()))
    server.close()
    print("RESULT " + json.dumps({"sent": args.frames, "replies": replies}), flush=True)


if __name__ == "__main__":
    main()
