"""imagezmq 1.2.0: ImageSender/ImageHub; server index, stamp and sequence number in its text.

Pattern 1 is imagezmq's REQ/REP: the hub binds one port that every sender
connects to, and replies to each frame. Pattern 2 is its PUB/SUB: each sender
binds its own port and the hub connects to all of them. JPEG frames are
encoded by the sender and decoded by the hub with NetGear's settings.
"""

from __future__ import annotations

from .base import ADDRESS, Frame, Peer, Wiring, decode_jpeg, encode_jpeg

__all__ = ["IMAGEZMQ"]


def _url(port: int) -> str:
    return f"tcp://{ADDRESS}:{port}"


class _Client:
    def __init__(self, wiring: Wiring) -> None:
        import imagezmq

        self._jpeg = wiring.jpeg
        self._reply = wiring.pattern == 1
        self._hub = imagezmq.ImageHub(_url(wiring.ports[0]), REQ_REP=self._reply)
        if not self._reply:
            for port in wiring.ports[1:]:
                self._hub.connect(_url(port))

    def recv(self) -> tuple[int, float, int, Frame]:
        if self._jpeg:
            text, data = self._hub.recv_jpg()
        else:
            text, frame = self._hub.recv_image()
        if self._reply:
            # Before decoding, as vidgear acknowledges: the sender's wait is as short as it gets.
            self._hub.send_reply(b"OK")
        if self._jpeg:
            frame = decode_jpeg(data)
        index, stamp, seq = text.split(" ")
        return int(index), float(stamp), int(seq), frame


class _Server:
    def __init__(self, wiring: Wiring, index: int) -> None:
        import imagezmq

        self._jpeg = wiring.jpeg
        self._index = index
        if wiring.pattern == 1:
            self._sender = imagezmq.ImageSender(_url(wiring.ports[0]), REQ_REP=True)
        else:
            self._sender = imagezmq.ImageSender(_url(wiring.ports[index]), REQ_REP=False)

    def send(self, frame: Frame, stamp: float, seq: int) -> None:
        text = f"{self._index} {stamp!r} {seq}"
        if self._jpeg:
            self._sender.send_jpg(text, encode_jpeg(frame))
        else:
            self._sender.send_image(text, frame)


IMAGEZMQ = Peer(
    "imagezmq",
    "imagezmq 1.2.0: pattern 1 is REQ/REP into one hub port, pattern 2 PUB/SUB "
    "(each sender binds, the hub connects to all)",
    "imagezmq",
    _Client,
    _Server,
)
