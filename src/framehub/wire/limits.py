"""Size limits applied to everything decoded from the network."""

from __future__ import annotations

from dataclasses import dataclass

# A 4K (3840x2160) BGR uint8 frame is 24.9 MB raw; 64 MiB leaves room for 4K
# with an alpha channel or 16-bit depth while bounding what a peer can make us hold.
DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024
# vidgear headers are ~200 bytes; the rest is the user's ``message``.
DEFAULT_MAX_HEADER_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds a decoder enforces; anything beyond them is a ``WireError``."""

    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES
    max_ndim: int = 4
    max_port_chars: int = 64
    #: A server's name and its sender id (framehub's own header keys).
    max_name_chars: int = 64
    max_ack_chars: int = 4096


DEFAULT_LIMITS = Limits()
