"""imagezmq 1.2.0's wire as pure code: its senders' two-part messages to ``FramePacket``.

An ``ImageSender`` sends a JSON object, then a buffer:

- ``send_image(msg, image)``: ``{"msg": msg, "dtype": "uint8", "shape": [h, w, 3]}``
  and the array's raw C-contiguous bytes;
- ``send_jpg(msg, jpg)``: ``{"msg": msg}`` and the JPEG bytes.

``msg`` is free text in imagezmq; by its convention it names the sender
(``"host|view"``), and a hub shared by many senders has nothing else to tell them
apart, so here it must be a name: a non-empty string of at most
``Limits.max_name_chars`` characters. Everything else is checked as for NetGear
frames (dtype allow-list, shape against the payload's length, sizes) and raises
``WireError``. The REQ/REP hub's reply is ``b"OK"`` (``IMAGEZMQ_REPLY``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ConfigError, WireError
from .decode import check_payload, load_object, raw_layout
from .encode import dump_json
from .limits import DEFAULT_LIMITS, Limits
from .messages import Compression, FramePacket, Payload

__all__ = ["IMAGEZMQ_REPLY", "decode_imagezmq_message", "encode_imagezmq_message"]

#: What imagezmq's ``ImageHub.send_reply()`` answers by default, and its senders expect.
IMAGEZMQ_REPLY = b"OK"

#: imagezmq's JPEGs come from ``cv2.imencode`` or simplejpeg, in OpenCV's BGR order.
_JPEG = Compression(colorspace="BGR", fastdct=False, fastupsample=False)


def _name(header: dict[str, object], limits: Limits) -> str:
    name = header.get("msg")
    if not isinstance(name, str) or not 1 <= len(name) <= limits.max_name_chars:
        raise WireError(
            f"imagezmq 'msg' must name the sender in 1-{limits.max_name_chars} characters, "
            f"got {name!r:.40}"
        )
    return name


def decode_imagezmq_message(
    parts: Sequence[Payload], *, pattern: int, via: str, limits: Limits = DEFAULT_LIMITS
) -> FramePacket:
    """Decode one imagezmq message into a frame named by its ``msg``.

    ``pattern`` (1 for REQ/REP, 2 for PUB/SUB) and ``via`` (the hub port or sender
    address it came through) are recorded on the packet; neither is on the wire.
    """
    if len(parts) != 2:
        raise WireError(f"an imagezmq message has 2 parts, got {len(parts)}")
    header = load_object(parts[0], limits, "imagezmq metadata")
    name = _name(header, limits)
    payload = parts[1]
    if "dtype" in header or "shape" in header:
        check_payload(payload, None, limits)
        dtype, shape = raw_layout(header.get("dtype"), header.get("shape"), payload, limits)
        return FramePacket(
            payload=payload, dtype=dtype, shape=shape, pattern=pattern, name=name, via=via
        )
    check_payload(payload, _JPEG, limits)
    return FramePacket(payload=payload, compression=_JPEG, pattern=pattern, name=name, via=via)


def encode_imagezmq_message(packet: FramePacket) -> list[Payload]:
    """The bytes an imagezmq ``ImageSender`` sends for ``packet`` (named by ``packet.name``).

    For tests and benchmarks that speak imagezmq without it; the result decodes back
    to the same name, layout and payload.
    """
    if packet.name is None:
        raise ConfigError("an imagezmq message needs a name (FramePacket.name)")
    if packet.compression is not None:
        return [dump_json({"msg": packet.name}), packet.payload]
    header = {"msg": packet.name, "dtype": packet.dtype, "shape": list(packet.shape)}
    return [dump_json(header), packet.payload]
