"""Raw pyzmq PUSH/PULL, zero-copy: the transport's ceiling on this machine.

An 18-byte header (server index, stamp, sequence number, height, width) and the frame's bytes, or
its JPEG bytes from the same encoder as every other peer. There is no pattern
here: both pattern rows measure the same thing, each in its own interleaved run.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import zmq

from .base import ADDRESS, Frame, Peer, Wiring, decode_jpeg, encode_jpeg

__all__ = ["PYZMQ"]

_HEADER = struct.Struct("<HdIHH")
# Bounds the memory a slow client can queue (ZeroMQ's default, 1000 messages of up to
# 6 MB, is gigabytes) without costing throughput: a ceiling a real receiver could use.
_HWM = 16


class _Client:
    def __init__(self, wiring: Wiring) -> None:
        self._jpeg = wiring.jpeg
        self._sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PULL)
        self._sock.setsockopt(zmq.RCVHWM, _HWM)
        self._sock.bind(f"tcp://{ADDRESS}:{wiring.ports[0]}")

    def recv(self) -> tuple[int, float, int, Frame]:
        header, payload = self._sock.recv_multipart(copy=False)
        index, stamp, seq, height, width = _HEADER.unpack(header.bytes)
        if self._jpeg:
            frame = decode_jpeg(payload.buffer)
        else:
            frame = np.frombuffer(payload.buffer, np.uint8).reshape(height, width, 3)
        return index, stamp, seq, frame


class _Server:
    def __init__(self, wiring: Wiring, index: int) -> None:
        self._jpeg = wiring.jpeg
        self._index = index
        self._sock: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PUSH)
        self._sock.setsockopt(zmq.SNDHWM, _HWM)
        self._sock.connect(f"tcp://{ADDRESS}:{wiring.ports[0]}")

    def send(self, frame: Frame, stamp: float, seq: int) -> None:
        header = _HEADER.pack(self._index, stamp, seq, frame.shape[0], frame.shape[1])
        # An ndarray is a buffer; numpy's stubs declare it only for Python 3.12+.
        payload: Any = encode_jpeg(frame) if self._jpeg else frame
        self._sock.send_multipart([header, payload], copy=False)


PYZMQ = Peer(
    "pyzmq",
    "raw pyzmq PUSH/PULL, zero-copy, one port (the same in both pattern rows)",
    "zmq",
    _Client,
    _Server,
)
