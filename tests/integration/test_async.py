"""AsyncHub and AsyncSender over real ZeroMQ sockets on 127.0.0.1, beside the threaded API."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest

from framehub import (
    AsyncHub,
    AsyncSender,
    EventKind,
    Hub,
    HubConfig,
    JpegConfig,
    PeerTimeout,
    Policy,
    SenderConfig,
    ServerState,
)
from support import Child, free_ports, send_frames

pytestmark = pytest.mark.timeout(60)

#: Longest the loop may go without running a ready coroutine. What the hub does on the
#: loop's thread takes microseconds; a blocking wait in these tests would stall it for
#: at least 0.5 s (a recv() timeout, a sender's request_timeout, a close), while a
#: loaded two-core machine was seen to deschedule the loop for 0.1 s.
MAX_LOOP_GAP = 0.25


def frames(count: int, shape=(48, 64, 3)) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(count)]


def hub_config(ports, **extra: Any) -> HubConfig:
    return HubConfig(ports=tuple(ports), address="127.0.0.1", **extra)


def sender_config(port, **extra: Any) -> SenderConfig:
    return SenderConfig(port=port, address="127.0.0.1", **extra)


def run(main: Callable[[], Awaitable[Any]], *, watch_loop: bool = True) -> Any:
    """Run ``main`` in a fresh loop beside a ticker; fail if the loop ever stalled."""

    async def watched() -> Any:
        gaps: list[float] = []

        async def tick() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.002)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        try:
            result = await main()
        finally:
            ticker.cancel()
        if watch_loop:
            assert gaps, "the ticker never ran"
            assert max(gaps) < MAX_LOOP_GAP, f"the loop stalled for {max(gaps) * 1000:.0f} ms"
        return result

    return asyncio.run(watched())


@pytest.mark.parametrize("jpeg", [None, JpegConfig()], ids=["raw", "jpeg"])
def test_frames_from_threaded_senders_reach_an_async_hub_in_order(background, jpeg):
    ports = free_ports(2)
    sent = frames(30)

    async def main() -> dict[str, list]:
        got: dict[str, list] = {}
        async with AsyncHub(hub_config(ports)) as hub:
            for port in ports:
                background.start(f"s{port}", send_frames(sender_config(port, jpeg=jpeg), sent))
            async for frame in hub:
                got.setdefault(frame.source, []).append(frame)
        return got

    got = run(main)
    background.join()
    assert set(got) == {str(p) for p in ports}
    for received in got.values():
        assert [f.message["i"] for f in received] == list(range(30))
        for f in received:
            expected = sent[f.message["i"]]
            if jpeg is None:
                assert np.array_equal(f.image, expected)
            else:
                assert f.image.shape == expected.shape and f.jpeg is not None


def test_an_async_sender_streams_into_a_threaded_hub(background):
    (port,) = free_ports(1)
    sent = frames(20)

    async def main() -> Any:
        async with AsyncSender(sender_config(port, jpeg=None)) as sender:
            for i, image in enumerate(sent):
                await sender.send(image, message={"i": i})
        return sender.stats

    with Hub(hub_config([port], policy=Policy.LOSSLESS)) as hub:
        background.start("sender", lambda: run(main))
        # A consumer that starts late: the sender waits for acknowledgements meanwhile
        # (its window and the hub's queue full), which must not stall its loop.
        time.sleep(0.6)
        got = list(hub)
    stats = background.result("sender")
    assert [f.message["i"] for f in got] == list(range(20))
    assert all(np.array_equal(f.image, sent[f.message["i"]]) for f in got)
    assert stats.sent == 20


def test_async_sender_to_async_hub_jpeg():
    (port,) = free_ports(1)
    sent = frames(15)

    async def main() -> list:
        async with AsyncHub(hub_config([port])) as hub:

            async def produce() -> None:
                async with AsyncSender(sender_config(port)) as sender:
                    for i, image in enumerate(sent):
                        await sender.send(image, message=i)

            producer = asyncio.create_task(produce())
            got = [frame async for frame in hub]
            await producer
        return got

    got = run(main)
    assert [f.message for f in got] == list(range(15))
    assert all(f.image.shape == (48, 64, 3) for f in got)


def test_vidgear_netgear_server_into_an_async_hub():
    (port,) = free_ports(1)

    async def main() -> list:
        async with AsyncHub(hub_config([port])) as hub:
            server = Child(
                "netgear_server.py",
                ["--lib", "vidgear", "--port", str(port), "--frames", "20", "--fps", "100"],
            )
            try:
                got = [frame async for frame in hub]
            finally:
                server.kill()
        return got

    got = run(main, watch_loop=False)  # the child's start-up shares the two cores
    assert len(got) == 20
    assert [int(f.image[0, 0, 0]) for f in got] == pytest.approx(list(range(20)), abs=2)
    assert all(f.sender_port == str(port) for f in got)


@pytest.mark.parametrize("policy", [Policy.LOSSLESS, Policy.LATEST])
def test_a_slow_coroutine_gets_the_policy_it_asked_for(background, policy):
    # A consumer that takes 20 ms a frame, a server sending 60 frames as fast as it can.
    (port,) = free_ports(1)

    async def main() -> list[int]:
        seen = []
        async with AsyncHub(hub_config([port], policy=policy, jpeg=None)) as hub:
            background.start("s", send_frames(sender_config(port, jpeg=None), frames(60)))
            async for frame in hub:
                seen.append(frame.message["i"])
                await asyncio.sleep(0.02)
        return seen

    seen = run(main)
    assert seen == sorted(seen) and seen[-1] == 59
    if policy is Policy.LOSSLESS:
        assert seen == list(range(60))
    else:
        assert len(seen) < 50, "a latest hub should have dropped stale frames"


def test_events_arrive_as_they_happen(background):
    (port,) = free_ports(1)

    async def main() -> tuple[list[EventKind], Any]:
        async with AsyncHub(hub_config([port])) as hub:
            kinds: list[EventKind] = []

            async def watch() -> None:
                async for event in hub.events():
                    kinds.append(event.kind)

            watcher = asyncio.create_task(watch())
            background.start("s", send_frames(sender_config(port, jpeg=None), frames(5)))
            assert len([frame async for frame in hub]) == 5
            await asyncio.wait_for(watcher, 5)  # ends with the stream
            (status,) = hub.status()
        return kinds, status

    kinds, status = run(main)
    assert kinds == [EventKind.JOINED, EventKind.ENDED]
    assert (status.source, status.state, status.frames) == (str(port), ServerState.ENDED, 5)


def test_cancelled_receives_lose_no_frame(background):
    # Timeouts cancel recv() at every point: waiting, or with its frame decoding.
    (port,) = free_ports(1)
    count = 40

    async def main() -> list[int]:
        seen: list[int] = []
        config = hub_config([port], policy=Policy.LOSSLESS, decode_workers=0)
        async with AsyncHub(config) as hub:
            background.start("s", send_frames(sender_config(port), frames(count, (96, 128, 3))))
            while True:
                try:
                    frame = await asyncio.wait_for(hub.recv(), 0.0005)
                except TimeoutError:
                    continue
                if frame is None:
                    return seen
                seen.append(frame.message["i"])

    assert run(main) == list(range(count))


def test_recv_times_out_and_close_ends_a_waiting_recv():
    (port,) = free_ports(1)

    async def main() -> float:
        async with AsyncHub(hub_config([port], close_timeout=1.0)) as hub:
            with pytest.raises(PeerTimeout):
                await hub.recv(timeout=0.5)
            waiting = asyncio.create_task(hub.recv())
            await asyncio.sleep(0.05)
            start = time.monotonic()
            await hub.aclose()
            assert await asyncio.wait_for(waiting, 1.0) is None
            return time.monotonic() - start

    assert run(main) < 1.5


def test_an_async_sender_closes_in_bounded_time_without_a_hub():
    (port,) = free_ports(1)

    async def main() -> float:
        config = sender_config(port, request_timeout=0.5, close_timeout=0.5, jpeg=None)
        sender = AsyncSender(config)
        sends = [asyncio.create_task(sender.send(image)) for image in frames(5)]
        await asyncio.sleep(0.05)
        start = time.monotonic()
        await sender.aclose()
        took = time.monotonic() - start
        await asyncio.gather(*sends, return_exceptions=True)
        return took

    assert run(main) < 1.5


def test_cancelled_sends_that_had_not_started_are_not_sent(background):
    # A hub whose consumer starts late holds the sender back (one frame in flight,
    # a queue of one): the sends behind the waiting one are cancelled before they start.
    (port,) = free_ports(1)
    count = 10

    async def main() -> tuple[Any, list]:
        async with AsyncSender(sender_config(port, jpeg=None, window=1)) as sender:
            tasks = [
                asyncio.create_task(sender.send(image, message=i))
                for i, image in enumerate(frames(count))
            ]
            await asyncio.sleep(0.3)  # the sender is waiting for an acknowledgement by now
            for task in tasks:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        return sender.stats, outcomes

    with Hub(hub_config([port], policy=Policy.LOSSLESS, queue_size=1)) as hub:
        background.start("sender", lambda: run(main))
        time.sleep(0.6)  # the late consumer
        got = [frame.message for frame in hub]
    stats, outcomes = background.result("sender")
    cancelled = sum(isinstance(o, asyncio.CancelledError) for o in outcomes)
    assert stats.sent < count and cancelled >= count - stats.sent
    assert got == list(range(stats.sent)), "every frame the sender counted arrived, in order"


def test_a_stream_ended_by_the_clock_ends_a_waiting_recv():
    # Nothing arrives: only the hub's clock (idle_timeout) can wake the coroutine.
    (port,) = free_ports(1)

    async def main() -> tuple[Any, float]:
        async with AsyncHub(hub_config([port], idle_timeout=0.5)) as hub:
            start = time.monotonic()
            frame = await asyncio.wait_for(hub.recv(), 5)
            return frame, time.monotonic() - start

    frame, took = run(main)
    assert frame is None and 0.4 < took < 2.0


@pytest.mark.parametrize("decode", [True, False], ids=["decode", "no-decode"])
def test_h264_frames_reach_an_async_hub_decoded_without_stalling_the_loop(background, decode):
    """Each server's H.264 frames are decoded on its lane; the loop only waits for it."""
    from support import camera_scene, psnr

    (port,) = free_ports(1)
    sent = [camera_scene(i) for i in range(20)]

    async def main() -> list:
        async with AsyncHub(hub_config([port], decode=decode)) as hub:
            config = sender_config(port, codec="h264")
            background.start("camera", send_frames(config, sent))
            return [frame async for frame in hub]

    got = run(main)
    background.join()
    assert [f.message["i"] for f in got] == list(range(20))
    assert [f.codec for f in got] == ["jpeg"] + ["h264"] * 19
    for f in got:
        assert psnr(f.image, sent[f.message["i"]]) > 30


@pytest.mark.parametrize("loop_is", ["blocked", "idle"])
def test_a_loop_not_waiting_for_frames_leaves_the_hub_to_acknowledge_them(background, loop_is):
    # The loop receives frames itself while a coroutine waits; blocked by other code, or
    # busy with anything but recv(), it must not hold the senders back: the hub's I/O
    # thread takes over and acknowledges.
    (port,) = free_ports(1)
    sent = frames(20)
    acknowledged = threading.Event()

    def send() -> Any:
        stats = send_frames(sender_config(port, jpeg=None, window=1), sent)()
        acknowledged.set()  # with one frame in flight, every send but the last was
        return stats

    async def main() -> tuple[bool, list[int], Any]:
        async with AsyncHub(hub_config([port], queue_size=len(sent))) as hub:
            background.start("sender", send)
            first = await asyncio.wait_for(hub.recv(), 5)
            assert first is not None
            if loop_is == "blocked":  # on purpose: only the hub's own thread can reply
                in_time = acknowledged.wait(10)
            else:
                in_time = await asyncio.to_thread(acknowledged.wait, 10)
            (status,) = hub.status()
            got = [first.message["i"]]
            while len(got) < len(sent):
                frame = await asyncio.wait_for(hub.recv(), 5)
                assert frame is not None
                got.append(frame.message["i"])
        return in_time, got, status

    in_time, got, status = run(main, watch_loop=loop_is == "idle")
    assert in_time, f"the senders waited on the {loop_is} loop"
    assert status.frames == len(sent)
    assert got == list(range(len(sent))), "the loop took the sockets back and lost nothing"


def test_an_async_hub_receives_on_one_loop_then_another(background):
    # Each loop drives the sockets while it runs; between them (the first one closed)
    # the hub's thread does, and the second loop takes them over.
    (port,) = free_ports(1)
    sent = frames(20)
    hub = AsyncHub(hub_config([port], policy=Policy.LOSSLESS))

    async def take(count: int) -> list[int]:
        got = []
        while len(got) < count:
            frame = await asyncio.wait_for(hub.recv(), 5)
            assert frame is not None
            got.append(frame.message["i"])
        return got

    async def rest() -> list[int]:
        async with hub:
            return [frame.message["i"] async for frame in hub]

    background.start("sender", send_frames(sender_config(port, jpeg=None), sent, fps=100))
    try:
        first = run(lambda: take(5))
        second = run(rest)
    finally:
        hub.close()
    background.join()
    assert first + second == list(range(len(sent)))
