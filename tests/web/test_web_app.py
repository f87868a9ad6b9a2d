"""The web viewer in-process: a real hub and sender on loopback feed its store."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import aiohttp
import cv2
import numpy as np
import pytest

from framehub import Frame
from framehub.web import FrameStore, WebViewer, broadcast
from support import free_ports

from .viewing import Feed, StreamReader, get, status

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def ports() -> list[int]:
    return free_ports(2)


@pytest.fixture(params=["jpeg", "raw"])
def feed(request: pytest.FixtureRequest, ports: list[int]) -> Iterator[Feed]:
    feed = Feed(ports[0], raw=request.param == "raw")
    yield feed
    feed.close()


@pytest.fixture
def jpeg_feed(ports: list[int]) -> Iterator[Feed]:
    feed = Feed(ports[0], raw=False)
    yield feed
    feed.close()


@pytest.fixture
def store() -> FrameStore:
    return FrameStore()


@pytest.fixture
def viewer(store: FrameStore, ports: list[int]) -> Iterator[WebViewer]:
    with WebViewer(store, "127.0.0.1", 0, servers=[str(ports[0]), "other"]) as viewer:
        yield viewer


def publish(store: FrameStore, feed: Feed) -> Frame:
    frame = feed.next()
    store.publish(frame)
    store.update(feed.hub.status())
    return frame


def test_expected_servers_have_their_tiles_before_they_stream(viewer, store, jpeg_feed):
    doc = status(viewer.url)
    assert [(r["id"], r["state"], r["tile"]) for r in doc["servers"]] == [
        (jpeg_feed.port, "waiting", [0, 0]),
        ("other", "waiting", [0, 1]),
    ]
    assert get(viewer.url + f"snapshot/{jpeg_feed.port}.jpg")[0] == 503
    assert get(viewer.url + "snapshot/nobody.jpg")[0] == 404
    assert get(viewer.url + "stream/nobody.mjpg")[0] == 404

    publish(store, jpeg_feed)
    row = status(viewer.url)["servers"][0]
    assert row["state"] == "streaming" and row["tile"] == [0, 0]
    assert row["frames"] == 1 and row["last_message"] == "frame 1"
    assert row["encoding"] == "jpeg" and row["latency_ms_p50"] is not None


def test_snapshot_is_the_received_jpeg_untouched(viewer, store, jpeg_feed, monkeypatch):
    encodes = []
    monkeypatch.setattr(broadcast, "_frame_jpeg", lambda frame: encodes.append(frame))
    frame = publish(store, jpeg_feed)
    code, headers, body = get(viewer.url + f"snapshot/{jpeg_feed.port}.jpg")
    assert code == 200 and headers["Content-Type"] == "image/jpeg"
    assert frame.jpeg is not None and body == bytes(frame.jpeg)
    assert encodes == []


def test_raw_frames_are_encoded_once_whatever_the_number_of_viewers(
    viewer, store, ports, monkeypatch
):
    encodes = []
    real = broadcast._frame_jpeg

    def counting(frame):
        encodes.append(frame.seq)
        time.sleep(0.05)  # long enough for every viewer to be waiting on the same encoding
        return real(frame)

    monkeypatch.setattr(broadcast, "_frame_jpeg", counting)
    feed = Feed(ports[0], raw=True)
    try:
        publish(store, feed)
        url = viewer.url + f"snapshot/{feed.port}.jpg"
        results: list[bytes] = []
        threads = [threading.Thread(target=lambda: results.append(get(url)[2])) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(results) == 8 and len(set(results)) == 1
        image = cv2.imdecode(np.frombuffer(results[0], np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (120, 160, 3)
        assert encodes == [0]
        publish(store, feed)
        assert get(url)[0] == 200 and encodes == [0, 1]
    finally:
        feed.close()


def test_streams_deliver_the_newest_frames(viewer, store, feed):
    publish(store, feed)
    readers = [
        StreamReader(viewer.url + f"stream/{feed.port}.mjpg"),
        StreamReader(viewer.url + "montage.mjpg"),
    ]
    for reader in readers:
        reader.start()
    try:
        for reader in readers:
            assert reader.first.wait(10), reader.error
        before = readers[0].parts
        deadline = time.monotonic() + 10
        while readers[0].parts < before + 3 and time.monotonic() < deadline:
            publish(store, feed)
            time.sleep(0.02)
        assert readers[0].parts >= before + 3
    finally:
        for reader in readers:
            reader.stop()


def test_token_guards_every_request(store, ports):
    with WebViewer(store, "127.0.0.1", 0, servers=["1"], token="s3cret") as viewer:
        base = f"http://127.0.0.1:{viewer.port}/"
        assert viewer.url == base + "?token=s3cret"
        assert get(base + "api/status")[0] == 401
        assert get(base + "api/status?token=wrong")[0] == 401
        code, headers, _ = get(viewer.url)
        assert code == 200 and "framehub_token=s3cret" in headers["Set-Cookie"]
        assert get(base + "api/status", headers={"Cookie": "framehub_token=s3cret"})[0] == 200
        assert get(base + "api/status", headers={"Authorization": "Bearer s3cret"})[0] == 200


def test_foreign_host_names_are_refused_on_loopback(viewer):
    """A page on another domain that resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
    assert get(viewer.url + "api/status", headers={"Host": f"evil.example:{viewer.port}"})[0] == 421
    assert get(viewer.url + "api/status", headers={"Host": f"localhost:{viewer.port}"})[0] == 200


def test_page_and_static_files_are_served(viewer):
    code, _, body = get(viewer.url)
    assert code == 200 and b"viewer.js" in body
    for name in ("viewer.js", "viewer.css"):
        assert get(viewer.url + f"static/{name}")[0] == 200


async def _websocket_session(url: str, store: FrameStore, feed: Feed) -> None:
    ws_url = url.replace("http://", "ws://") + "ws"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(ws_url, origin="http://evil.example")
        assert refused.value.status == 403
        async with session.ws_connect(ws_url, origin=url.rstrip("/")) as ws:
            first = await ws.receive(timeout=5)
            assert first.type is aiohttp.WSMsgType.TEXT
            assert json.loads(first.data)["type"] == "status"

            async def next_frame() -> tuple[str, bytes]:
                while True:
                    message = await ws.receive(timeout=5)
                    if message.type is aiohttp.WSMsgType.BINARY:
                        length = message.data[0]
                        return message.data[1 : 1 + length].decode(), message.data[1 + length :]

            source, jpeg = await next_frame()
            assert source == feed.port and jpeg[:2] == b"\xff\xd8"
            # Unacknowledged: newer frames wait, only status documents come.
            for _ in range(3):
                await asyncio.to_thread(publish, store, feed)
            with pytest.raises(TimeoutError):
                while True:
                    message = await ws.receive(timeout=0.5)
                    assert message.type is aiohttp.WSMsgType.TEXT
            await ws.send_str(json.dumps({"ack": source}))
            newest = store.latest(feed.port)
            assert newest is not None
            assert newest.frame.jpeg is not None
            assert await next_frame() == (feed.port, bytes(newest.frame.jpeg))


def test_websocket_sends_one_unacknowledged_frame_per_server(viewer, store, jpeg_feed):
    publish(store, jpeg_feed)
    asyncio.run(_websocket_session(viewer.url, store, jpeg_feed))


def test_close_is_bounded_with_streams_open(store, jpeg_feed):
    viewer = WebViewer(store, "127.0.0.1", 0, servers=[jpeg_feed.port])
    publish(store, jpeg_feed)
    readers = [StreamReader(viewer.url + f"stream/{jpeg_feed.port}.mjpg", pause=0.2)]
    readers.append(StreamReader(viewer.url + "montage.mjpg"))
    for reader in readers:
        reader.start()
        assert reader.first.wait(10)
    started = time.monotonic()
    viewer.close()
    assert time.monotonic() - started < 3.0
    viewer.close()  # idempotent
    for reader in readers:
        reader.join(5)
        assert not reader.is_alive()


def test_a_taken_port_is_an_os_error(store, viewer):
    with pytest.raises(OSError):
        WebViewer(store, "127.0.0.1", viewer.port)
