"""H.264 frames through PyAV (FFmpeg's libraries), tuned for live video.

Unlike raw and JPEG, H.264 is stateful on both ends: a frame other than a keyframe
only decodes after every frame since the last keyframe. So each sender owns one
``H264Encoder`` and the hub one ``H264Decoder`` per server, fed that server's frames
in order (see ``api.lanes``). The encoder is set for latency over compression: no
B-frames (a frame leaves as soon as it is encoded), x264's ``zerolatency`` tuning
and ``ultrafast`` preset by default (a camera host's CPU is small), a keyframe every ``gop``
frames and whenever the hub asks for one (``request_keyframe``), and a rate
buffer of half a second, so a keyframe cannot burst far over the link's share.

PyAV is an optional package (``framehub[h264]``); nothing here imports it until
an encoder or decoder is made.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, MissingPackageError, WireError
from ..wire import DEFAULT_LIMITS, H264_DTYPE, CodecInfo, Compression, Limits
from .base import EncodedFrame, check_frame

if TYPE_CHECKING:
    from av.video.codeccontext import VideoCodecContext

__all__ = ["AUTO_ENCODERS", "CHROMA", "PRESETS", "H264Decoder", "H264Encoder", "require_av"]

log = logging.getLogger(__name__)

#: Tried in turn by ``encoder="auto"``: a Raspberry Pi's hardware encoder where it
#: opens, then x264, then the other software encoder FFmpeg builds may carry.
AUTO_ENCODERS = ("h264_v4l2m2m", "libx264", "libopenh264")
#: x264's presets, fastest first: each slower one spends more CPU per frame for a
#: better picture at the same bitrate (other encoders ignore it).
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")
#: Chroma sampling -> FFmpeg pixel format. 4:2:0 is what every decoder and hardware
#: encoder takes; 4:4:4 keeps colour detail at full resolution (x264's High 4:4:4
#: profile), which fine, colourful detail needs: on the link benchmark's photographs
#: the 4:2:0 conversion alone limits a frame to about 36.5 dB PSNR.
CHROMA = {"4:2:0": "yuv420p", "4:4:4": "yuv444p"}


def _encoder_options(name: str, preset: str) -> dict[str, str]:
    """Options per encoder for live video (others get the generic settings only)."""
    if name == "libx264":
        return {"preset": preset, "tune": "zerolatency", "forced-idr": "1"}
    return {}


#: The frame rate the rate control plans for; timing is the sender's, not the stream's.
_NOMINAL_FPS = 30


def require_av() -> Any:
    """PyAV, or ``MissingPackageError`` naming the extra that installs it."""
    try:
        import av
    except ImportError:
        raise MissingPackageError(
            "codec='h264' needs PyAV, which is not installed: pip install 'framehub[h264]'"
        ) from None
    return av


def _open_encoder(name: str, width: int, height: int, settings: H264Encoder) -> VideoCodecContext:
    av = require_av()
    bitrate = settings.bitrate
    context: VideoCodecContext = av.CodecContext.create(name, "w")
    context.width = width
    context.height = height
    context.pix_fmt = CHROMA[settings.chroma]
    context.time_base = Fraction(1, _NOMINAL_FPS)
    context.framerate = Fraction(_NOMINAL_FPS, 1)
    context.bit_rate = bitrate
    context.gop_size = settings.gop
    context.max_b_frames = 0
    context.options = {
        **_encoder_options(name, settings.preset),
        "maxrate": str(bitrate),
        "bufsize": str(bitrate // 2),
    }
    context.open()
    return context


class H264Encoder:
    """Encodes BGR ``uint8`` frames (even width and height) into H.264 access units.

    Not thread-safe, and not shareable between hubs: one per sender. The first
    frame, a frame of a new size, and the frame after ``request_keyframe()`` are
    keyframes. ``encoder`` is a PyAV codec name, or ``"auto"`` (``AUTO_ENCODERS``);
    ``preset`` one of x264's ``PRESETS``; ``chroma`` a key of ``CHROMA`` (an encoder
    that cannot do 4:4:4, like a Pi's, fails to open and ``"auto"`` tries the next).
    """

    def __init__(
        self,
        bitrate: int,
        gop: int,
        encoder: str = "auto",
        *,
        preset: str = "ultrafast",
        chroma: str = "4:2:0",
    ) -> None:
        require_av()
        if preset not in PRESETS:
            raise ConfigError(f"h264 preset must be one of {PRESETS}, got {preset!r}")
        if chroma not in CHROMA:
            raise ConfigError(f"h264 chroma must be one of {tuple(CHROMA)}, got {chroma!r}")
        self.bitrate = bitrate
        self.gop = gop
        self.preset = preset
        self.chroma = chroma
        self.requested = encoder
        self._context: VideoCodecContext | None = None
        self._size: tuple[int, int] = (0, 0)
        self._force_key = False
        self._count = 0

    @property
    def compression(self) -> Compression | None:
        return None

    @property
    def name(self) -> str:
        """The encoder opened (``requested`` until the first frame is encoded)."""
        return self.requested if self._context is None else self._context.codec.name

    def check(self, frame: np.ndarray[Any, Any]) -> None:
        check_frame(frame)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ConfigError(
                f"codec='h264' needs BGR uint8 frames of shape (h, w, 3), "
                f"got {frame.dtype} {frame.shape}"
            )
        height, width = frame.shape[:2]
        if height % 2 or width % 2 or not (2 <= height <= 4096 and 2 <= width <= 4096):
            raise ConfigError(
                f"codec='h264' needs an even width and height from 2 to 4096 (4:2:0 "
                f"chroma), got {width}x{height}"
            )

    def request_keyframe(self) -> None:
        """Make the next frame a keyframe (the hub's decoder needs one)."""
        self._force_key = True

    def encode(self, frame: np.ndarray[Any, Any]) -> EncodedFrame:
        """Encode ``frame``; an encoder that holds it back (hardware ones may, at first)
        gives an empty payload, which is not sent."""
        from av import VideoFrame
        from av.video.frame import PictureType

        self.check(frame)
        context = self._context_for(frame)
        picture = VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
        picture.pts = self._count
        if self._force_key:
            picture.pict_type = PictureType.I
            self._force_key = False
        packets = context.encode(picture)
        payload = b"".join(bytes(packet) for packet in packets)
        key = any(packet.is_keyframe for packet in packets)
        info = CodecInfo(key=key, n=self._count)
        if payload:
            self._count += 1
        return EncodedFrame(payload=payload, compression=None, dtype=H264_DTYPE, codec=info)

    def _context_for(self, frame: np.ndarray[Any, Any]) -> VideoCodecContext:
        size = (frame.shape[1], frame.shape[0])
        if self._context is None or size != self._size:
            self._context = self._open(*size)
            self._size = size
            log.info("H.264 encoder %s opened for %dx%d", self._context.codec.name, *size)
        return self._context

    def _open(self, width: int, height: int) -> VideoCodecContext:
        av = require_av()
        names = AUTO_ENCODERS if self.requested == "auto" else (self.requested,)
        failures = []
        for name in names:
            try:
                return _open_encoder(name, width, height, self)
            except (av.FFmpegError, ValueError, OSError) as exc:
                failures.append(f"{name}: {exc}")
                log.debug("H.264 encoder %s did not open: %s", name, exc)
        raise ConfigError(
            f"no H.264 encoder opened (encoder={self.requested!r}): {'; '.join(failures)}"
        )


class H264Decoder:
    """Decodes one server's H.264 frames, in order, to BGR arrays.

    A payload that does not decode to a picture raises ``WireError``; after one, or
    after a frame was lost, the caller ``reset()``s and waits for a keyframe.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self._av = require_av()
        self._limits = limits
        self._context = self._open()

    def _open(self) -> VideoCodecContext:
        context: VideoCodecContext = self._av.CodecContext.create("h264", "r")
        return context

    def reset(self) -> None:
        """Forget every reference frame: the next frame must be a keyframe."""
        self._context = self._open()

    def decode(self, payload: bytes, *, convert: bool = True) -> np.ndarray[Any, Any] | None:
        """The picture in ``payload`` as a BGR array (None when ``convert`` is False:
        the frame is decoded to keep the chain, but nobody will look at it)."""
        av = self._av
        try:
            pictures = self._context.decode(av.Packet(payload))
        except (av.FFmpegError, ValueError) as exc:
            raise WireError(f"H.264 frame does not decode: {exc}") from None
        if not pictures:
            raise WireError("H.264 frame decoded to no picture")
        picture = pictures[-1]
        if picture.width * picture.height * 3 > self._limits.max_payload_bytes:
            raise WireError(f"H.264 picture of {picture.width}x{picture.height} is over the limit")
        if not convert:
            return None
        image: np.ndarray[Any, Any] = picture.to_ndarray(format="bgr24")
        return image
