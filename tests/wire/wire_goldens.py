"""The golden messages captured from vidgear by ``tests/golden/capture.py``, and helpers
to build and compare framehub's own messages with them."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from framehub.codecs import FrameEncoder
from framehub.wire import ArrayReply, Compression, FramePacket

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"

Encoded = TypeVar("Encoded", FramePacket, ArrayReply)


@dataclass(frozen=True)
class Golden:
    """One captured message and what produced it."""

    name: str
    direction: str
    call: str
    pattern: int
    port: Any
    options: dict[str, Any]
    inputs: dict[str, Any]
    parts: list[bytes]
    producer: dict[str, str]

    @property
    def multiserver(self) -> bool:
        return bool(self.options.get("multiserver_mode"))

    def compression(self) -> Compression | None:
        """The compression vidgear applies with these options (on unless turned off)."""
        jpeg = self.options.get("jpeg_compression", True)
        if jpeg is False:
            return None
        return Compression(
            colorspace=jpeg.upper() if isinstance(jpeg, str) else "BGR",
            fastdct=self.options.get("jpeg_compression_fastdct", True),
            fastupsample=self.options.get("jpeg_compression_fastupsample", False),
        )

    def quality(self) -> int:
        return int(self.options.get("jpeg_compression_quality", 90))


def array_from_spec(spec: dict[str, Any]) -> np.ndarray[Any, Any]:
    raw = base64.b64decode(spec["data"])
    return np.frombuffer(raw, dtype=spec["dtype"]).reshape(spec["shape"])


@cache
def load_goldens() -> tuple[Golden, ...]:
    goldens = []
    for path in sorted(GOLDEN_DIR.glob("*.json")):
        body = json.loads(path.read_text())
        goldens.append(
            Golden(
                name=path.stem,
                direction=body["direction"],
                call=body["call"],
                pattern=body["netgear"]["pattern"],
                port=body["netgear"]["port"],
                options=body["netgear"]["options"],
                inputs=body["inputs"],
                parts=[base64.b64decode(part) for part in body["parts"]],
                producer=body["producer"],
            )
        )
    return tuple(goldens)


def goldens(direction: str, *, call: str | None = None) -> list[Golden]:
    """Goldens sent in one direction (``server-to-client`` or ``client-to-server``)."""
    return [
        g for g in load_goldens() if g.direction == direction and (call is None or g.call == call)
    ]


def assert_jpeg_close(image: np.ndarray[Any, Any], original: np.ndarray[Any, Any]) -> None:
    assert image.shape == original.shape
    assert image.dtype == np.uint8
    error = np.abs(image.astype(np.int16) - original.astype(np.int16))
    # The goldens' 8x6 gradients at quality 75-90 measured a mean error of 2.7 levels
    # and a largest of 11 (4:2:2 chroma subsampling costs most of it).
    assert error.mean() < 4
    assert error.max() < 16


def encode_as(
    kind: type[Encoded], frame: np.ndarray[Any, Any], encoder: FrameEncoder, **fields: Any
) -> Encoded:
    """What framehub sends for ``frame``: a frame packet, or an array reply (return data).

    ``fields`` are the message's other fields (message, pattern, port...).
    """
    encoded = encoder.encode(frame)
    return kind(
        payload=encoded.payload,
        compression=encoded.compression,
        dtype=encoded.dtype,
        shape=encoded.shape,
        **fields,
    )
