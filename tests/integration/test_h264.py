"""H.264 over real sockets: decoded frames, and a picture again within one GOP after a
broken chain (lost frame, restarted hub, hub that joins late, "latest" dropping)."""

from __future__ import annotations

import threading
import time

import pytest

from framehub import H264Config, Hub, HubConfig, NetGear, Policy, Sender, SenderConfig
from support import camera_scene, free_ports, psnr, wait_for

pytestmark = pytest.mark.timeout(60)

#: The promise: a picture again within one GOP (30 frames at 30 fps), at most 1 s.
RECOVERY = 1.0


def h264_sender(port: int, gop: int = 30, **extra) -> SenderConfig:  # type: ignore[no-untyped-def]
    return SenderConfig(
        port=port, address="127.0.0.1", codec="h264", h264=H264Config(gop=gop), **extra
    )


def stream(  # type: ignore[no-untyped-def]
    config: SenderConfig,
    stop: threading.Event,
    fps: float = 30.0,
    lose: int = -1,
    progress: list[int] | None = None,
):
    """A camera sending ``camera_scene(i)`` with ``{"i": i}`` until ``stop``; frame
    ``lose`` is encoded but never sent, as if lost on the way. ``progress`` gets
    each frame's number once it was handed to ``send()``."""

    def run() -> int:
        with Sender(config) as sender:
            i = 0
            while not stop.is_set():
                if progress is not None:
                    progress.append(i)
                if i == lose:
                    sender._encoder.encode(camera_scene(i))
                else:
                    sender.send(camera_scene(i), message={"i": i})
                i += 1
                time.sleep(1 / fps)
        return i

    return run


def check_picture(frame) -> None:  # type: ignore[no-untyped-def]
    assert frame.image.shape == (240, 320, 3)
    assert psnr(frame.image, camera_scene(frame.message["i"])) > 30


def test_h264_frames_arrive_decoded_in_order_with_their_messages(background):
    (port,) = free_ports(1)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1", policy=Policy.LOSSLESS)) as hub:

        def run():  # type: ignore[no-untyped-def]
            with Sender(h264_sender(port)) as sender:
                for i in range(40):
                    sender.send(camera_scene(i), message={"i": i})
            return sender.stats

        background.start("camera", run)
        frames = list(hub)
    assert [f.message["i"] for f in frames] == list(range(40))
    # The first frame asked the hub what it is, as JPEG; H.264 followed.
    assert frames[0].jpeg is not None
    assert all(f.jpeg is None for f in frames[1:])
    for frame in frames:
        check_picture(frame)
    assert background.result("camera").dropped == 0
    (status,) = hub.status()
    assert (status.discarded, status.awaiting_keyframe, status.rejected) == (0, False, 0)


def test_a_lost_frame_gets_a_keyframe_on_request(background):
    """With a GOP of 1000 frames only the hub's request can bring a keyframe soon."""
    (port,) = free_ports(1)
    stop = threading.Event()
    with Hub(HubConfig(ports=(port,), address="127.0.0.1", policy=Policy.LOSSLESS)) as hub:
        background.start("camera", stream(h264_sender(port, gop=1000), stop, lose=20))
        last = -1
        while last < 40:
            frame = hub.recv(timeout=5)
            assert frame is not None
            check_picture(frame)
            if frame.message["i"] > 20 and last < 20:
                first_after = frame.message["i"]
            last = frame.message["i"]
        stop.set()
        background.join()
        (status,) = hub.status()
    # Frames after the lost one were discarded until the requested keyframe.
    assert status.discarded >= 1
    assert first_after - 21 == status.discarded
    assert first_after - 21 <= 30, "a picture again within one GOP of 30 frames"


def test_a_hub_restarted_mid_stream_shows_pictures_within_a_gop(background):
    (port,) = free_ports(1)
    stop = threading.Event()
    config = HubConfig(ports=(port,), address="127.0.0.1", policy=Policy.LOSSLESS)
    with Hub(config) as hub:
        background.start("camera", stream(h264_sender(port, gop=1000), stop))
        for _ in range(15):
            assert hub.recv(timeout=5) is not None
    with Hub(config) as hub:
        frame = hub.recv(timeout=5)
        shown = time.monotonic()
        (status,) = hub.status()
        check_picture(frame)
        assert shown - status.first_seen <= RECOVERY
        stop.set()
        background.join()


def test_latest_drops_only_decoded_frames_so_every_delivered_picture_is_right(background):
    """A consumer slower than its camera: "latest" drops frames, yet each frame it
    delivers decodes to the right picture (the decoder saw every packet)."""
    (port,) = free_ports(1)
    stop = threading.Event()
    with Hub(HubConfig(ports=(port,), address="127.0.0.1", policy=Policy.LATEST)) as hub:
        background.start("camera", stream(h264_sender(port), stop, fps=60))
        seen = []
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            frame = hub.recv(timeout=5)
            check_picture(frame)
            seen.append(frame.message["i"])
            time.sleep(0.05)
        stop.set()
        background.join()
        (status,) = hub.status()
    assert status.dropped > 0, "the consumer was slower: latest dropped frames"
    assert status.discarded == 0, "and the decoder's chain never broke"
    assert seen == sorted(seen)


def test_pattern_2_hub_joining_late_discards_until_the_next_keyframe(background):
    """No acknowledgements in pattern 2: the hub waits for the sender's periodic
    keyframe, discarding (and counting) what comes before."""
    (port,) = free_ports(1)
    stop = threading.Event()
    gop = 15
    config = HubConfig(ports=(port,), address="127.0.0.1", pattern=2)
    progress: list[int] = []
    background.start(
        "camera",
        stream(h264_sender(port, gop=gop, pattern=2, request_timeout=0.2), stop, progress=progress),
    )
    wait_for(lambda: len(progress) > 5, what="the camera streaming before the hub exists")
    with Hub(config) as hub:
        frame = hub.recv(timeout=5)
        shown = time.monotonic()
        (status,) = hub.status()
        check_picture(frame)
        stop.set()
        background.join()
    assert shown - status.first_seen <= RECOVERY
    # What came before the first keyframe (none, if the hub joined right on one).
    assert status.discarded < gop


def test_netgear_sends_h264_with_framehubs_own_options(background):
    (port,) = free_ports(1)
    client = NetGear(
        address="127.0.0.1", port=(port,), pattern=1, receive_mode=True, multiserver_mode=True
    )

    def run() -> None:
        server = NetGear(
            address="127.0.0.1",
            port=str(port),
            pattern=1,
            multiserver_mode=True,
            codec="h264",
            bitrate="800k",
            gop=10,
        )
        for i in range(12):
            server.send(camera_scene(i), message={"i": i})
        server.close()

    background.start("server", run)
    got = []
    while (data := client.recv()) is not None:
        got.append(data)
    client.close()
    assert [message["i"] for _, message, _ in got] == list(range(12))
    for _, message, image in got:
        assert psnr(image, camera_scene(message["i"])) > 30


def test_a_hub_without_pyav_discards_h264_frames_and_counts_them(background, monkeypatch, caplog):
    import framehub.api.lanes as lanes
    from framehub import MissingPackageError

    def missing(*args: object) -> None:
        raise MissingPackageError("no PyAV here: pip install 'framehub[h264]'")

    monkeypatch.setattr(lanes, "H264Decoder", missing)
    (port,) = free_ports(1)
    with Hub(HubConfig(ports=(port,), address="127.0.0.1")) as hub:

        def run() -> None:
            with Sender(h264_sender(port)) as sender:
                for i in range(10):
                    sender.send(camera_scene(i), message={"i": i})

        background.start("camera", run)
        frames = list(hub)
        (status,) = hub.status()
    assert [f.codec for f in frames] == ["jpeg"], "only the first frame, which asked"
    assert (status.discarded, status.rejected) == (9, 0)
    assert "framehub[h264]" in caplog.text


def test_a_camera_that_joins_late_is_shown_at_once_beside_one_streaming(background):
    ports = free_ports(2)
    stop = threading.Event()
    config = HubConfig(ports=tuple(ports), address="127.0.0.1", policy=Policy.LATEST)
    with Hub(config) as hub:
        background.start("first", stream(h264_sender(ports[0], gop=1000), stop))
        shown: dict[str, float] = {}
        joined = False
        while len(shown) < 2:
            frame = hub.recv(timeout=5)
            check_picture(frame)
            shown.setdefault(frame.source, time.monotonic())
            if not joined and frame.message["i"] >= 10:
                background.start("second", stream(h264_sender(ports[1], gop=1000), stop))
                joined = True
        late = next(s for s in hub.status() if s.source == str(ports[1]))
        stop.set()
        background.join()
    assert shown[str(ports[1])] - late.first_seen <= RECOVERY
    assert late.discarded == 0
