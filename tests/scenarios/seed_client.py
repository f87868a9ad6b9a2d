"""The seed's client (SPEC section 1), with framehub imports.

The loop is the seed's own; this OpenCV build is headless, so the montages are
built but not shown, and a summary is printed as RESULT json at the end.
"""

from __future__ import annotations

import argparse
import json

import cv2

from framehub import NetGear

parser = argparse.ArgumentParser()
parser.add_argument("--pattern", type=int, default=1)
parser.add_argument("--ports", nargs="+", required=True)
parser.add_argument("--bidi", action="store_true")
parser.add_argument("--montage", choices=["imutils", "framehub"], default="framehub")
args = parser.parse_args()

if args.montage == "imutils":
    from imutils import build_montages
else:
    from framehub import build_montages

options = {"multiserver_mode": True}
if args.bidi:
    options["bidirectional_mode"] = True

client = NetGear(
    address="127.0.0.1",
    port=tuple(args.ports),
    protocol="tcp",
    pattern=args.pattern,
    receive_mode=True,
    logging=True,
    **options,
)
print("READY", flush=True)

frame_dict = {}
summary: dict[str, dict] = {}
montage_shapes = set()
while True:
    if args.bidi:
        target_data = "Hi, I am a Client here."
        data = client.recv(return_data=target_data)
    else:
        data = client.recv()
    if data is None:
        break
    extracted_data = None
    if len(data) == 3:
        unique_address, extracted_data, frame = data
        cv2.putText(
            frame,
            extracted_data,
            (10, frame.shape[0] - 10),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6,
            (0, 255, 0),
            2,
        )
    else:
        unique_address, frame = data
    (h, w) = frame.shape[:2]
    frame_dict[unique_address] = frame
    montages = build_montages(frame_dict.values(), (w, h), (2, 1))
    for montage in montages:
        montage_shapes.add(montage.shape)

    entry = summary.setdefault(str(unique_address), {"frames": [], "messages": set()})
    entry["frames"].append(frame.copy())
    if extracted_data is not None:
        entry["messages"].add(extracted_data)

client.close()

# Frames carry their index (see tests/sources/videos.py) for the order check.
from sources.videos import decode_index  # noqa: E402

result = {
    address: {
        "indices": [decode_index(f) for f in entry["frames"]],
        "messages": sorted(entry["messages"]),
    }
    for address, entry in summary.items()
}
print("RESULT " + json.dumps({"servers": result, "montages": sorted(montage_shapes)}), flush=True)
