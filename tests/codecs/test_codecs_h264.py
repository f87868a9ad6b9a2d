"""The H.264 codec on its own: round trip, keyframes on request, decoder reset."""

from __future__ import annotations

import numpy as np
import pytest

from framehub.codecs.h264 import H264Decoder, H264Encoder
from framehub.errors import ConfigError, WireError
from support import camera_scene, psnr


def test_frames_round_trip_with_a_fair_picture() -> None:
    encoder = H264Encoder(bitrate=1_000_000, gop=30, encoder="libx264")
    decoder = H264Decoder()
    first = encoder.encode(camera_scene())
    assert first.codec is not None and first.codec.key and first.codec.n == 0
    sizes = []
    for shift in range(1, 10):
        frame = camera_scene(shift)
        encoded = encoder.encode(frame)
        assert encoded.codec is not None and encoded.codec.n == shift and not encoded.codec.key
        if shift == 1:
            decoder.decode(bytes(first.payload))
        image = decoder.decode(bytes(encoded.payload))
        assert image is not None and image.shape == frame.shape and image.dtype == np.uint8
        assert psnr(image, frame) > 30
        sizes.append(len(encoded.payload))
    # The rate control keeps to the bitrate (1 Mbit/s at 30 frames/s: 4.2 kB a frame).
    assert sum(sizes) / len(sizes) < 1.5 * 1_000_000 / 8 / 30


def test_a_keyframe_comes_on_request_and_every_gop() -> None:
    encoder = H264Encoder(bitrate=500_000, gop=10, encoder="libx264")
    keys = [encoder.encode(camera_scene(i)).codec.key for i in range(4)]  # type: ignore[union-attr]
    encoder.request_keyframe()
    keys += [encoder.encode(camera_scene(i)).codec.key for i in range(4, 16)]  # type: ignore[union-attr]
    assert keys[:4] == [True, False, False, False]
    assert keys[4] is True  # requested
    assert keys[14] is True  # one GOP after the requested one
    assert sum(keys) == 3


def test_the_decoder_resets_after_garbage_and_resumes_at_a_keyframe() -> None:
    encoder = H264Encoder(bitrate=1_000_000, gop=100, encoder="libx264")
    decoder = H264Decoder()
    for i in range(3):
        decoder.decode(bytes(encoder.encode(camera_scene(i)).payload))
    with pytest.raises(WireError):
        decoder.decode(b"\x00\x00\x00\x01\x65garbage")
    decoder.reset()
    # A frame that needs the lost references does not decode to a picture.
    with pytest.raises(WireError):
        decoder.decode(bytes(encoder.encode(camera_scene(3)).payload))
    encoder.request_keyframe()
    frame = camera_scene(4)
    image = decoder.decode(bytes(encoder.encode(frame).payload))
    assert image is not None and psnr(image, frame) > 30


def test_frames_the_encoder_cannot_take_are_refused_before_sending() -> None:
    encoder = H264Encoder(bitrate=1_000_000, gop=30)
    for frame in (
        np.zeros((11, 16, 3), np.uint8),  # odd height
        np.zeros((16, 16), np.uint8),  # grey
        np.zeros((16, 16, 3), np.float32),
    ):
        with pytest.raises(ConfigError, match="h264"):
            encoder.check(frame)


def test_auto_opens_an_encoder_on_this_machine() -> None:
    encoder = H264Encoder(bitrate=1_000_000, gop=30, encoder="auto")
    assert encoder.encode(camera_scene()).payload
    assert encoder.name in ("h264_v4l2m2m", "libx264", "libopenh264")


def test_an_encoder_that_does_not_exist_is_named() -> None:
    encoder = H264Encoder(bitrate=1_000_000, gop=30, encoder="no_such_encoder")
    with pytest.raises(ConfigError, match="no_such_encoder"):
        encoder.encode(camera_scene())


def test_full_colour_resolution_keeps_colour_detail_that_4_2_0_loses() -> None:
    """4:4:4 is for colour detail finer than two pixels, which 4:2:0 averages away."""
    rows = np.arange(240)[:, None] % 2
    cols = np.arange(320)[None, :] % 2
    stripes = np.zeros((240, 320, 3), np.uint8)
    stripes[..., 2] = np.where(cols == 0, 220, 30)  # red on every other column
    stripes[..., 1] = np.where(rows == 0, 200, 40)  # green on every other row
    pictures = {}
    for chroma in ("4:2:0", "4:4:4"):
        encoder = H264Encoder(4_000_000, 30, "libx264", preset="superfast", chroma=chroma)
        image = H264Decoder().decode(bytes(encoder.encode(stripes).payload))
        assert image is not None
        pictures[chroma] = psnr(image, stripes)
    assert pictures["4:4:4"] > pictures["4:2:0"] + 6
