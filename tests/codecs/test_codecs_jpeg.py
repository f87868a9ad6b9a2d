"""JPEG frames: round trips per colourspace, vidgear's subsampling, refusals, corrupt input."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import simplejpeg

from framehub.codecs import JpegEncoder, decode_frame
from framehub.errors import ConfigError, WireError
from framehub.wire import (
    ArrayReply,
    Compression,
    FramePacket,
    decode_client_message,
    decode_server_message,
    encode_client_message,
    encode_server_message,
)


def gradient(height: int = 48, width: int = 64) -> np.ndarray[Any, Any]:
    """A smooth colour image: JPEG keeps it within a few levels."""
    ys, xs = np.mgrid[0:height, 0:width]
    channels = [
        40 + xs * 160 // width,
        60 + ys * 150 // height,
        100 + (xs + ys) * 100 // (width + height),
    ]
    return np.stack(channels, axis=-1).astype(np.uint8)


def over_the_wire(encoder: JpegEncoder, frame: np.ndarray[Any, Any], **decode: Any) -> Any:
    encoded = encoder.encode(frame)
    sent = FramePacket(payload=encoded.payload, compression=encoded.compression, pattern=1)
    received = decode_server_message([bytes(part) for part in encode_server_message(sent)])
    assert isinstance(received, FramePacket)
    assert received.compression == encoder.compression
    return decode_frame(received, **decode)


def assert_close(image: np.ndarray[Any, Any], original: np.ndarray[Any, Any]) -> None:
    assert image.shape == original.shape
    assert image.dtype == np.uint8
    error = np.abs(image.astype(np.int16) - original.astype(np.int16))
    # gradient() at quality 90 with 4:2:2 measured a mean error of 1.1 and a maximum of 6.
    assert error.mean() < 2
    assert error.max() < 12


@pytest.mark.parametrize("colorspace", ["BGR", "RGB"])
def test_colour_frames_round_trip(colorspace: str) -> None:
    frame = gradient()
    assert_close(over_the_wire(JpegEncoder(colorspace=colorspace), frame), frame)


def test_gray_frames_round_trip_two_dimensional() -> None:
    frame = gradient()[:, :, 1].copy()
    image = over_the_wire(JpegEncoder(colorspace="GRAY"), frame)
    assert image.ndim == 2
    assert_close(image, frame)
    # A (h, w, 1) frame is accepted too and also comes back 2-D, as vidgear does.
    assert over_the_wire(JpegEncoder(colorspace="GRAY"), frame[:, :, np.newaxis]).ndim == 2


@pytest.mark.parametrize("colorspace", ["BGRA", "RGBX", "XRGB"])
def test_four_channel_frames_round_trip(colorspace: str) -> None:
    frame = np.concatenate([gradient(), np.full((48, 64, 1), 255, np.uint8)], axis=-1)
    if colorspace.startswith("X"):
        frame = np.roll(frame, 1, axis=-1)
    image = over_the_wire(JpegEncoder(colorspace=colorspace), frame)
    colour = slice(1, 4) if colorspace.startswith("X") else slice(0, 3)
    assert_close(image[:, :, colour], frame[:, :, colour])


def test_non_contiguous_frames_are_encoded() -> None:
    wide = gradient(48, 128)
    frame = wide[:, ::2]
    assert not frame.flags.c_contiguous
    assert_close(over_the_wire(JpegEncoder(), frame), frame)


def test_subsampling_is_vidgears_422_for_colour_and_none_for_gray() -> None:
    colour = JpegEncoder().encode(gradient()).payload
    gray = JpegEncoder(colorspace="GRAY").encode(gradient()[:, :, 0]).payload
    assert simplejpeg.decode_jpeg_header(colour)[2:] == ("YCbCr", "422")
    assert simplejpeg.decode_jpeg_header(gray)[2:] == ("Gray", "Gray")


def test_encoded_frame_describes_itself_as_vidgear_does() -> None:
    encoder = JpegEncoder(quality=75, colorspace="RGB", fastdct=False, fastupsample=True)
    encoded = encoder.encode(gradient())
    assert encoded.compression == Compression("RGB", fastdct=False, fastupsample=True)
    assert (encoded.dtype, encoded.shape) == ("", ())
    assert bytes(encoded.payload[:2]) == b"\xff\xd8"
    # vidgear's defaults: quality 90, BGR, fast DCT on, fast upsampling off.
    assert JpegEncoder().compression == Compression("BGR", fastdct=True, fastupsample=False)
    assert JpegEncoder().quality == 90


def test_quality_changes_the_size() -> None:
    frame = np.random.default_rng(3).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    sizes = [len(JpegEncoder(quality=q).encode(frame).payload) for q in (10, 50, 100)]
    assert sizes == sorted(sizes)


def test_min_size_decodes_a_reduced_frame() -> None:
    frame = gradient(480, 640)
    encoded = JpegEncoder().encode(frame)
    packet = FramePacket(payload=encoded.payload, compression=encoded.compression)
    image = decode_frame(packet, min_width=160, min_height=120)
    assert image.shape == (120, 160, 3)  # libjpeg-turbo scales by 1/4 here
    assert 160 <= image.shape[1] < 640
    image = decode_frame(packet, min_width=300, min_height=100)
    assert (image.shape[0], image.shape[1]) == (240, 320)
    assert decode_frame(packet).shape == frame.shape


def test_jpeg_array_replies_round_trip() -> None:
    frame = gradient()
    encoded = JpegEncoder().encode(frame)
    reply = ArrayReply(payload=encoded.payload, compression=encoded.compression)
    received = decode_client_message([bytes(p) for p in encode_client_message(reply)])
    assert isinstance(received, ArrayReply)
    assert_close(decode_frame(received), frame)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"quality": 9}, "quality"),
        ({"quality": 101}, "quality"),
        ({"quality": 90.5}, "quality"),
        ({"quality": True}, "quality"),
        ({"quality": "90"}, "quality"),
        ({"colorspace": "HSV"}, "colorspace"),
        ({"colorspace": "bgr"}, "colorspace"),
        ({"colorspace": None}, "colorspace"),
        ({"colorspace": ["BGR"]}, "colorspace"),
        ({"fastdct": "yes"}, "fastdct"),
        ({"fastdct": 1}, "fastdct"),
        ({"fastupsample": None}, "fastupsample"),
    ],
    ids=str,
)
def test_jpeg_encoder_refuses_bad_settings(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        JpegEncoder(**options)


@pytest.mark.parametrize(
    ("colorspace", "frame", "named"),
    [
        ("BGR", np.zeros((8, 8, 3), np.float32), "dtype"),
        ("BGR", np.zeros((8, 8, 3), np.uint16), "dtype"),
        ("BGR", np.zeros((8, 8), np.uint8), "shape"),
        ("BGR", np.zeros((8, 8, 4), np.uint8), "shape"),
        ("BGR", np.zeros((2, 8, 8, 3), np.uint8), "shape"),
        ("BGR", np.zeros(8, np.uint8), "shape"),
        ("GRAY", np.zeros((8, 8, 3), np.uint8), "shape"),
        ("BGRA", np.zeros((8, 8, 3), np.uint8), "shape"),
        ("BGR", np.zeros((0, 8, 3), np.uint8), "height and width"),
        ("BGR", np.zeros((1, 65501, 3), np.uint8), "height and width"),
        ("BGR", [[0, 0, 0]], "numpy.ndarray"),
    ],
    ids=str,
)
def test_jpeg_encoder_refuses_bad_frames(colorspace: str, frame: Any, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        JpegEncoder(colorspace=colorspace).encode(frame)


# --------------------------------------------------------------------------- corrupt input


def jpeg_packet(payload: bytes, colorspace: str = "BGR") -> FramePacket:
    return FramePacket(payload=payload, compression=Compression(colorspace))


VALID = JpegEncoder().encode(gradient()).payload


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xd8",
        b"\xff\xd8" + b"garbage" * 10,
        VALID[:40],
        VALID[: len(VALID) // 2],
        VALID[:-2],  # no end-of-image marker
        VALID[:200] + bytes(len(VALID) - 200),
        b"\xff\xd8" + bytes(range(256)) * 4,
    ],
    ids=["marker only", "garbage", "header cut", "half", "no EOI", "zeroed", "noise"],
)
def test_corrupt_jpeg_is_a_wire_error(payload: bytes) -> None:
    with pytest.raises(WireError):
        decode_frame(jpeg_packet(payload))


def test_jpeg_decoded_in_a_colourspace_it_cannot_have_is_a_wire_error() -> None:
    with pytest.raises(WireError):
        decode_frame(jpeg_packet(VALID, colorspace="CMYK"))


def test_a_jpeg_claiming_a_huge_image_is_refused_before_decoding() -> None:
    """A 600-byte JPEG can claim 65500x65500 pixels (12 GB decoded): refuse it at once."""
    claim = bytearray(VALID)
    sof = claim.index(b"\xff\xc0")
    claim[sof + 5 : sof + 9] = (65500).to_bytes(2, "big") * 2
    started = time.monotonic()
    with pytest.raises(WireError, match="limit"):
        decode_frame(jpeg_packet(bytes(claim)))
    assert time.monotonic() - started < 1
