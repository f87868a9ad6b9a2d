"""The seed's servers (SPEC section 1), with framehub imports and a video file for the webcam.

--kind picks the seed's source: CamGear (1a, pattern 1), cv2.VideoCapture (1a,
pattern 2), VideoGear (1b, 1c) or PiGear with the seed's Raspberry Pi options,
run against stand-ins of the camera stack (there is no Pi here).
"""

from __future__ import annotations

import argparse
import json

import cv2

from framehub import NetGear

parser = argparse.ArgumentParser()
parser.add_argument("--kind", choices=["camgear", "videocapture", "videogear", "pigear"])
parser.add_argument("--video", default="")
parser.add_argument("--port", required=True)
parser.add_argument("--pattern", type=int, default=1)
parser.add_argument("--message", action="store_true")
parser.add_argument("--bidi", action="store_true")
parser.add_argument("--frames", type=int, default=0, help="PiGear: stop after this many")
args = parser.parse_args()

options = {"multiserver_mode": True}
if args.bidi:
    options["bidirectional_mode"] = True
received = []
target_data = f"I'm Server-1 at Port: {args.port}"

if args.kind == "videocapture":
    stream = cv2.VideoCapture(args.video)
    server = NetGear(
        address="127.0.0.1", port=args.port, protocol="tcp", pattern=args.pattern, **options
    )
    while True:
        (grabbed, frame) = stream.read()
        if not grabbed:
            break
        server.send(frame)
    stream.release()
    server.close()
else:
    if args.kind == "pigear":
        import pytest
        from sources.pi_fakes import PiHardware, install

        install(pytest.MonkeyPatch(), PiHardware(), picamera2=True, legacy=False)
        from libcamera import Transform

        from framehub import PiGear

        pi_options = {
            "queue": True,
            "buffer_count": 4,
            "controls": {"Brightness": 0.5, "ExposureValue": 2.0},
            "transform": Transform(hflip=1),
            "auto_align_output_config": True,
        }
        stream = PiGear(resolution=(640, 480), framerate=60, logging=True, **pi_options).start()
    elif args.kind == "camgear":
        from framehub import CamGear

        stream = CamGear(source=args.video).start()
    else:
        from framehub import VideoGear

        stream = VideoGear(source=args.video).start()
    server = NetGear(
        address="127.0.0.1",
        port=args.port,
        protocol="tcp",
        pattern=args.pattern,
        logging=True,
        **options,
    )
    sent = 0
    while True:
        frame = stream.read()
        if frame is None or (args.frames and sent >= args.frames):
            break
        recv_data = server.send(frame, message=target_data) if args.message else server.send(frame)
        sent += 1
        if recv_data is not None:
            received.append(recv_data)
    stream.stop()
    server.close()

print("RESULT " + json.dumps({"received": received}), flush=True)
