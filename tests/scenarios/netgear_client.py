"""A NetGear client (framehub's or vidgear's) in Multi-Servers Mode or not; prints RESULT json.

Prints READY once bound, so the test starts servers only then.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from typing import Any

import numpy as np
import secure_options


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lib", choices=["framehub", "vidgear"], default="framehub")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--ports", nargs="+", required=True)
    p.add_argument("--pattern", type=int, default=1)
    p.add_argument("--bidi", action="store_true")
    p.add_argument("--single", action="store_true", help="not in Multi-Servers Mode")
    p.add_argument("--multiclient", action="store_true", help="one of several clients")
    p.add_argument("--return-data", default=None)
    p.add_argument("--return-array", action="store_true")
    p.add_argument("--raw", action="store_true")
    secure_options.add_arguments(p)
    p.add_argument("--subscriber-timeout", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=40.0)
    args = p.parse_args()

    if args.lib == "vidgear":
        from vidgear.gears import NetGear
    else:
        from framehub import NetGear

    options: dict[str, Any] = {"jpeg_compression": not args.raw}
    args.single = args.single or args.multiclient
    if args.multiclient:
        options["multiclient_mode"] = True
    elif not args.single:
        options["multiserver_mode"] = True
    if args.bidi:
        options["bidirectional_mode"] = True
    secure_options.add_options(options, args)
    if args.subscriber_timeout:
        options["subscriber_timeout"] = args.subscriber_timeout
    port: Any = args.ports[0] if args.single else tuple(args.ports)
    client = NetGear(
        address=args.address,
        port=port,
        protocol="tcp",
        pattern=args.pattern,
        receive_mode=True,
        **options,
    )
    seen: dict[str, dict[str, Any]] = {}
    result: dict[str, Any] = {"servers": seen, "timed_out": False}

    def watchdog() -> None:
        result["timed_out"] = True
        print("RESULT " + json.dumps(result), flush=True)
        os._exit(3)

    timer = threading.Timer(args.max_seconds, watchdog)
    timer.daemon = True
    timer.start()
    print("READY", flush=True)
    return_data: Any = args.return_data
    if args.return_array:
        return_data = np.full((24, 32, 3), 7, np.uint8)
    while True:
        data = client.recv(return_data=return_data)
        if data is None:
            break
        if args.single and not args.bidi:
            address, message, frame = args.ports[0], None, data
        elif args.single:
            address, (message, frame) = args.ports[0], data
        elif len(data) == 3:
            address, message, frame = data
        else:
            (address, frame), message = data, None
        entry = seen.setdefault(str(address), {"count": 0, "indices": [], "messages": []})
        entry["count"] += 1
        entry["indices"].append(round(float(frame.mean())))
        entry["shape"] = list(frame.shape)
        entry["dtype"] = str(frame.dtype)
        entry["address_type"] = type(address).__name__
        if message is not None:
            entry["messages"].append(message)
    timer.cancel()
    client.close()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
