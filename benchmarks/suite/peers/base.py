"""What every peer adapter provides, and the one JPEG setting every peer uses.

A peer is a library that can move frames from many server processes to one
client process. Its adapter hides the library's own calls behind two tiny
interfaces, so that the client and server loops (``roles``) are the same code
for every peer and the peers differ only in what they are measured for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import simplejpeg

__all__ = [
    "ADDRESS",
    "Frame",
    "Peer",
    "Receiver",
    "StreamEnded",
    "Transmitter",
    "Wiring",
    "decode_jpeg",
    "encode_jpeg",
]

Frame = np.ndarray[Any, Any]

#: Every process runs on this host: the measurements are of loopback TCP.
ADDRESS = "127.0.0.1"

# vidgear's and framehub's NetGear defaults, which imagezmq and raw pyzmq are
# given by hand so that every peer ships the same bytes.
_QUALITY = 90
_SUBSAMPLING = "422"
_FASTDCT = True
_FASTUPSAMPLE = False


def encode_jpeg(frame: Frame) -> bytes:
    """Encode a BGR frame exactly as NetGear does by default."""
    data: bytes = simplejpeg.encode_jpeg(
        frame,
        quality=_QUALITY,
        colorspace="BGR",
        colorsubsampling=_SUBSAMPLING,
        fastdct=_FASTDCT,
    )
    return data


def decode_jpeg(data: Any) -> Frame:
    """Decode as a NetGear client does for frames sent with the defaults above."""
    frame: Frame = simplejpeg.decode_jpeg(
        data, colorspace="BGR", fastdct=_FASTDCT, fastupsample=_FASTUPSAMPLE
    )
    return frame


class StreamEnded(Exception):
    """The peer's client reported the end of the stream (it should not, mid-run)."""


@dataclass(frozen=True, slots=True)
class Wiring:
    """How one run's processes find each other; ``ports[i]`` is server ``i``'s port."""

    pattern: int
    jpeg: bool
    ports: tuple[int, ...]


class Receiver(Protocol):
    def recv(self) -> tuple[int, float, int, Frame]:
        """The next frame, decoded: (server index, the server's send stamp, the server's
        sequence number, image)."""
        ...


class Transmitter(Protocol):
    def send(self, frame: Frame, stamp: float, seq: int) -> None:
        """Send one frame (encoding it if the run is JPEG) with its ``time.time()`` stamp
        and ``seq``, the count of frames this server handed to send() before it: the
        client tells from gaps in it which frames never arrived."""
        ...


@dataclass(frozen=True, slots=True)
class Peer:
    """One library under test; ``open_*`` run inside the forked client/server processes."""

    name: str
    #: What it is and how it is wired, for the report.
    note: str
    #: The module that must import for the peer to run; the runner imports it before
    #: forking, so that no child pays for the import inside a measured run.
    requires: str
    open_receiver: Callable[[Wiring], Receiver]
    open_transmitter: Callable[[Wiring, int], Transmitter]
