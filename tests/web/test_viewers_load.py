"""Ten viewers at once do not slow the hub: its consumer never waits for a browser."""

from __future__ import annotations

import pytest

from support import free_ports

from .viewing import (
    StreamReader,
    all_streaming,
    framehub,
    receive_rate,
    viewer_url,
    wait_for_status,
)

pytestmark = pytest.mark.timeout(90)

#: Each measuring window; the demo's cameras send 4 x 30 frames/s.
WINDOW = 3.0


def test_ten_stream_readers_keep_the_receive_rate_within_ten_percent():
    # Small frames keep the cameras' own CPU low: what is measured is the hub waiting or not.
    demo = framehub(
        "demo", "--servers", "4", "--resolution", "320x240",
        "--http", f"127.0.0.1:{free_ports(1)[0]}",
    )  # fmt: skip
    readers: list[StreamReader] = []
    try:
        base = viewer_url(demo)
        doc = wait_for_status(base, all_streaming(4))
        receive_rate(base, 1.0)  # warm-up: every camera past its start
        alone = receive_rate(base, WINDOW)

        streams = [base + row["stream"].lstrip("/") for row in doc["servers"]]
        readers = [StreamReader(url) for url in streams * 2]
        readers.append(StreamReader(base + "montage.mjpg"))
        # A viewer on a slow link: it reads 16 KiB four times a second.
        readers.append(StreamReader(streams[0], pause=0.25))
        for reader in readers:
            reader.start()
        for reader in readers:
            assert reader.first.wait(10), reader.error
        counts = [reader.parts for reader in readers]
        watched = receive_rate(base, WINDOW)
        delivered = [reader.parts - count for reader, count in zip(readers, counts, strict=True)]
    finally:
        for reader in readers:
            reader.stop()
        demo.kill()
    assert watched >= 0.9 * alone, f"{watched:.1f} frames/s watched, {alone:.1f} alone"
    assert alone > 100  # 4 x 30 frames/s
    # Every fast reader saw a live stream: nearly every frame of its camera...
    assert min(delivered[:8]) >= 0.8 * 30 * WINDOW, delivered
    # ...the montage its 10 frames/s, and the slow one only the frames it could take.
    assert delivered[8] >= 0.6 * 10 * WINDOW, delivered
    assert 0 < delivered[9] < delivered[0], delivered
