"""What the hub's JPEG decode-ahead costs beyond the decodes themselves.

    python benchmarks/decode_handoff.py [--frames 3000] [--workers 2] [--repeat 3]

A consumer takes JPEG 640x480 frames one after another, as a saturated hub's does,
while ``DecodeAhead``'s workers decode the next ``depth`` of them; then the same
frames are decoded by the consumer alone. Prints frames/s and CPU per frame (all
threads, and the consumer's own): the difference is the hand-off.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simplejpeg

from benchmarks.frames import make_frames
from framehub.api.decoding import DecodeAhead, Pending
from framehub.wire import DEFAULT_LIMITS, FramePacket
from framehub.wire.messages import Compression


def _packet() -> FramePacket:
    frame = make_frames(640, 480)[0]
    jpeg = simplejpeg.encode_jpeg(frame, quality=90, colorspace="BGR", fastdct=True)
    return FramePacket(
        payload=jpeg,
        compression=Compression("BGR", True, False),
        dtype="",
        shape=(),
        message=None,
        pattern=1,
        port=None,
        seq=None,
        sent_at=None,
    )


def _run(packet: FramePacket, frames: int, workers: int) -> tuple[float, float, float]:
    """frames/s, CPU ms per frame (every thread), the consumer's CPU ms per frame."""
    decoder = DecodeAhead(workers, fastdct=True, fastupsample=False, limits=DEFAULT_LIMITS)
    queue: list[Pending | None] = [Pending(packet, 0.0) for _ in range(frames)]
    started, cpu0, own0 = time.perf_counter(), time.process_time(), time.thread_time()
    for index in range(frames):
        for ahead in queue[index + 1 : index + 1 + decoder.depth]:
            if ahead is not None:
                decoder.start(ahead)
        pending = queue[index]
        assert pending is not None
        decoder.taken(pending)
        decoder.result(pending)
        queue[index] = None  # the consumer is done with it, as a hub's caller would be
    elapsed = time.perf_counter() - started
    cpu, own = time.process_time() - cpu0, time.thread_time() - own0
    decoder.close()
    return frames / elapsed, 1000 * cpu / frames, 1000 * own / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    packet = _packet()
    for label, workers in ((f"{args.workers} workers", args.workers), ("consumer alone", 0)):
        runs = [_run(packet, args.frames, workers) for _ in range(args.repeat)]
        fps, cpu, own = (statistics.median(run[i] for run in runs) for i in range(3))
        print(
            f"{label:15} {fps:7.0f} frames/s  CPU {cpu:.3f} ms/frame  consumer {own:.3f} ms/frame"
        )


if __name__ == "__main__":
    main()
