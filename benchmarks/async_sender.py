"""What sending from a coroutine costs: AsyncSender's thread against pyzmq's asyncio socket.

    python benchmarks/async_sender.py [--frames 2000] [--repeat 3] [--size 640x480]

One sender sends raw frames flat out, in pattern 1, to a framehub hub in a child
process; the first three with one frame in flight (the only way a REQ socket can):

- ``sync``: ``Sender.send`` called directly (no event loop), the reference;
- ``thread``: ``await AsyncSender.send`` (the sender on its own thread, woken back
  through ``call_soon_threadsafe``), what framehub ships;
- ``zmq.asyncio``: a pyzmq asyncio REQ socket sending the same wire messages and
  awaiting each acknowledgement, the alternative (it would have to re-implement
  the window, retries and counters that ``Sender`` has);
- ``thread, window 4``: ``AsyncSender`` with its default window, which a REQ
  socket cannot have.

Reported: frames/s, the process's CPU per frame, and the longest the event loop
went without running a 1 ms ticker (how much the loop was blocked). The ways
alternate, ``--repeat`` times each; on a shared machine compare medians.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.frames import make_frames
from benchmarks.suite.runner import free_ports

WARMUP = 50
WAYS = ("sync", "thread", "zmq.asyncio", "thread, window 4")


def hub(port: int) -> None:
    from framehub import Hub, HubConfig

    with Hub(HubConfig(ports=(port,), address="127.0.0.1", jpeg=None, decode=False)) as h:
        for _ in h:
            pass


async def _ticking(work: Any) -> tuple[float, float]:
    """Run ``work()``; the seconds it took and the ticker's longest gap."""
    gaps = [0.0]

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last - 0.001)
            last = now

    ticker = asyncio.create_task(tick())
    start = time.perf_counter()
    await work()
    took = time.perf_counter() - start
    ticker.cancel()
    return took, max(gaps)


def measure(way: str, frames: int, images: list[Any]) -> dict[str, float]:
    import zmq
    import zmq.asyncio

    from framehub import AsyncSender, Sender, SenderConfig
    from framehub.wire import FramePacket, encode_server_message

    (port,) = free_ports(1)
    child = mp.Process(target=hub, args=(port,), daemon=True)
    child.start()
    window = 4 if way.endswith("window 4") else 1
    config = SenderConfig(port=port, address="127.0.0.1", jpeg=None, window=window)
    cpu0 = 0.0
    stall = 0.0
    if way == "sync":
        with Sender(config) as sender:
            for i in range(WARMUP):
                sender.send(images[i % len(images)])
            cpu0, t0 = time.process_time(), time.perf_counter()
            for i in range(frames):
                sender.send(images[i % len(images)])
            took = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
    elif way.startswith("thread"):

        async def run_thread() -> tuple[float, float, float]:
            async with AsyncSender(config) as sender:
                for i in range(WARMUP):
                    await sender.send(images[i % len(images)])
                cpu0 = time.process_time()

                async def work() -> None:
                    for i in range(frames):
                        await sender.send(images[i % len(images)])

                took, stall = await _ticking(work)
                return took, time.process_time() - cpu0, stall

        took, cpu, stall = asyncio.run(run_thread())
    else:

        async def run_zmq() -> tuple[float, float, float]:
            context = zmq.asyncio.Context()
            socket = context.socket(zmq.REQ)
            socket.connect(f"tcp://127.0.0.1:{port}")

            async def send(image: Any) -> None:
                packet = FramePacket(
                    image.data, None, str(image.dtype), image.shape, pattern=1, port=port
                )
                await socket.send_multipart(encode_server_message(packet), copy=False)
                await socket.recv_multipart()

            for i in range(WARMUP):
                await send(images[i % len(images)])
            cpu0 = time.process_time()

            async def work() -> None:
                for i in range(frames):
                    await send(images[i % len(images)])

            took, stall = await _ticking(work)
            cpu = time.process_time() - cpu0
            socket.close(linger=0)
            context.term()
            return took, cpu, stall

        took, cpu, stall = asyncio.run(run_zmq())
    child.kill()
    child.join(5)
    return {"fps": frames / took, "cpu_us": 1e6 * cpu / frames, "stall_ms": 1e3 * stall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="640x480")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    images = make_frames(width, height)
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in WAYS}
    for _ in range(args.repeat):
        for way, results in runs.items():
            results.append(measure(way, args.frames, images))
    print(f"one sender, raw {args.size}, pattern 1; medians of {args.repeat}")
    print(f"{'':17} {'frames/s':>9} {'CPU us/frame':>13} {'loop stall ms':>14}")
    for way, results in runs.items():
        fps, cpu, stall = (statistics.median(r[k] for r in results) for k in results[0])
        shown = "-" if way == "sync" else f"{stall:.1f}"
        print(f"{way:17} {fps:9.0f} {cpu:13.0f} {shown:>14}")


if __name__ == "__main__":
    main()
