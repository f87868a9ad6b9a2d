"""The hub's H.264 lanes: each server's frames decoded in order, a failure reported."""

from __future__ import annotations

import threading

import pytest

from framehub.api.decoding import DecodeAhead, Pending
from framehub.api.lanes import DecodeLanes
from framehub.codecs.h264 import H264Encoder
from framehub.errors import WireError
from framehub.wire import DEFAULT_LIMITS, H264_DTYPE, FramePacket
from support import camera_scene, psnr


def pending(encoded) -> Pending:  # type: ignore[no-untyped-def]
    packet = FramePacket(bytes(encoded.payload), dtype=H264_DTYPE, codec=encoded.codec)
    return Pending(packet, 0.0)


def test_lanes_decode_in_order_and_report_a_frame_that_does_not_decode() -> None:
    broken: list[str] = []
    reported = threading.Event()

    def report(source: str) -> None:
        broken.append(source)
        reported.set()

    lanes = DecodeLanes(DEFAULT_LIMITS, report)
    results = DecodeAhead(0, fastdct=False, fastupsample=False, limits=DEFAULT_LIMITS)
    encoder = H264Encoder(bitrate=1_000_000, gop=100, encoder="libx264")
    try:
        frames = [pending(encoder.encode(camera_scene(i))) for i in range(5)]
        dropped = frames[2]
        dropped.cancelled = True  # "latest" dropped it: decoded for the chain, not converted
        for item in frames:
            assert lanes.ready("a")
            lanes.submit("a", item)
        for i in (0, 1, 3, 4):
            assert psnr(results.result(frames[i]), camera_scene(i)) > 30
        garbage = FramePacket(b"\x00\x00\x00\x01\x65garbage", dtype=H264_DTYPE, codec=None)
        bad = Pending(garbage, 0.0)
        lanes.submit("a", bad)
        with pytest.raises(WireError):
            results.result(bad)
        assert reported.wait(5) and broken == ["a"]
        # After a reset the lane goes on with the next keyframe.
        encoder.request_keyframe()
        key = pending(encoder.encode(camera_scene(9)))
        lanes.submit("a", key)
        assert psnr(results.result(key), camera_scene(9)) > 30
    finally:
        lanes.close()
        results.close()
