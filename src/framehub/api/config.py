"""Typed configuration for the native API. ``**options`` exist only in the NetGear facade."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

from ..checks import check_bool, check_int, check_seconds
from ..codecs.h264 import CHROMA as H264_CHROMA
from ..codecs.h264 import PRESETS as H264_PRESETS
from ..errors import ConfigError
from ..security import HUB_KEY, SENDER_KEY, KeyFolder, SecureMode, check_key_name, parse_networks
from ..session import WINDOW_BUDGET, Policy
from ..transport.ssh import SshTunnelConfig
from ..wire import DEFAULT_LIMITS, JPEG_COLORSPACES, MAX_WINDOW, Limits
from .decoding import default_workers

__all__ = [
    "Codec",
    "H264Config",
    "HubConfig",
    "ImagezmqConfig",
    "JpegConfig",
    "Lifetime",
    "Pattern",
    "PortValue",
    "Protocol",
    "SecurityConfig",
    "SenderConfig",
    "SubscriberConfig",
]

Pattern = Literal[0, 1, 2]
Codec = Literal["raw", "jpeg", "h264"]
_CODECS = ("raw", "jpeg", "h264")
Protocol = Literal["tcp", "ipc"]
PortValue = int | str


def _check_optional_seconds(name: str, value: object) -> None:
    if value is not None:
        check_seconds(f"{name} (or None)", value)


def _check_pattern(pattern: object) -> None:
    if pattern not in (0, 1, 2) or isinstance(pattern, bool):
        raise ConfigError(f"pattern must be 0 (PAIR), 1 (REQ/REP) or 2 (PUB/SUB), got {pattern!r}")


def _check_protocol(protocol: object) -> None:
    if protocol not in ("tcp", "ipc"):
        raise ConfigError(f"protocol must be 'tcp' or 'ipc', got {protocol!r}")


def check_port(name: str, port: object) -> str:
    if isinstance(port, bool) or not isinstance(port, int | str) or str(port).strip() == "":
        raise ConfigError(f"{name} must be a port number (int or str), got {port!r}")
    return str(port).strip()


_ENDPOINT_SCHEMES = ("tcp://", "ipc://", "inproc://")


def check_endpoint(name: str, value: object) -> str:
    """A ZeroMQ endpoint such as ``tcp://*:5600`` or ``tcp://hub1:5600``."""
    if not isinstance(value, str) or not value.startswith(_ENDPOINT_SCHEMES) or value[-3:] == "://":
        raise ConfigError(
            f"{name} must be a ZeroMQ endpoint such as 'tcp://*:5600' (tcp://, ipc:// or "
            f"inproc://), got {value!r}"
        )
    return value


#: The longest server name a hub accepts (``Limits.max_name_chars``).
MAX_NAME_CHARS = DEFAULT_LIMITS.max_name_chars


def check_server_name(name: object) -> str:
    """A server's display name: 1 to 64 printable characters."""
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= MAX_NAME_CHARS
        or not name.isprintable()
        or name.strip() != name
    ):
        raise ConfigError(
            f"name must be 1-{MAX_NAME_CHARS} printable characters without leading or "
            f"trailing spaces, got {name!r}"
        )
    return name


def _check_modes(multiserver: bool, multiclient: bool, bidirectional: bool, pattern: int) -> None:
    """The rules between vidgear's modes and patterns, for both ends, in one place."""
    check_bool("multiserver", multiserver)
    check_bool("multiclient", multiclient)
    check_bool("bidirectional", bidirectional)
    if multiserver and multiclient:
        raise ConfigError("Multi-Servers and Multi-Clients modes cannot be enabled together")
    if (multiserver or multiclient) and pattern == 0:
        mode = "Multi-Servers" if multiserver else "Multi-Clients"
        raise ConfigError(f"{mode} Mode supports pattern 1 or 2 only, got pattern 0")
    if bidirectional and pattern == 2:
        raise ConfigError("bidirectional mode works with pattern 0 or 1 only, not pattern 2")


def _check_security(security: object) -> None:
    if security is not None and not isinstance(security, SecurityConfig):
        raise ConfigError(f"security must be a SecurityConfig or None, got {security!r}")


class Lifetime(StrEnum):
    """When a hub's ``recv()`` returns None."""

    #: Once every server seen has said goodbye or is gone (vidgear's behaviour).
    STREAM = "stream"
    #: Only after ``close()``: servers may come and go for as long as the hub runs.
    SERVICE = "service"


def _check_camera(camera: object) -> str:
    """A camera a subscriber asks for: its source id (a port) or its name."""
    if isinstance(camera, bool) or not isinstance(camera, int | str) or not str(camera).strip():
        raise ConfigError(
            f"each camera must be a source id (a port, such as 5566) or a name, got {camera!r}"
        )
    return str(camera).strip()


def _check_receiving(config: HubConfig | SubscriberConfig) -> None:
    """What a hub and a subscriber share: their queue, liveness, lifetime and decoding."""
    if not isinstance(config.lifetime, Lifetime):
        raise ConfigError(f"lifetime must be Lifetime.STREAM or SERVICE, got {config.lifetime!r}")
    check_int("queue_size", config.queue_size, 1)
    for name in ("quiet_after", "gone_after", "end_grace", "close_timeout"):
        check_seconds(name, getattr(config, name))
    _check_optional_seconds("idle_timeout", config.idle_timeout)
    check_bool("decode", config.decode)
    check_int("decode_workers", config.decode_workers, 0, 64)
    check_bool("fastdct", config.fastdct)
    check_bool("fastupsample", config.fastupsample)


@dataclass(frozen=True, slots=True)
class JpegConfig:
    """JPEG frame compression, as vidgear's ``jpeg_compression*`` options."""

    quality: int = 90
    colorspace: str = "BGR"
    fastdct: bool = True
    fastupsample: bool = False

    def __post_init__(self) -> None:
        if self.colorspace not in JPEG_COLORSPACES:
            raise ConfigError(
                f"jpeg colorspace must be one of {sorted(JPEG_COLORSPACES)}, "
                f"got {self.colorspace!r}"
            )
        check_int("jpeg quality", self.quality, 10, 100)
        check_bool("jpeg fastdct", self.fastdct)
        check_bool("jpeg fastupsample", self.fastupsample)


@dataclass(frozen=True, slots=True)
class H264Config:
    """H.264 frame compression (needs PyAV: ``pip install 'framehub[h264]'``).

    ``bitrate`` in bits per second; ``gop`` frames from one keyframe to the next (a
    hub that lost the thread gets a picture again within one GOP even where it
    cannot ask for a keyframe, in pattern 2); ``encoder`` a PyAV encoder name
    (``libx264``, ``h264_v4l2m2m``...) or ``"auto"``: the hardware encoder of a
    Raspberry Pi where it opens, else x264 (see ``codecs.h264``). ``preset`` is
    x264's speed/quality trade (``"ultrafast"`` to ``"medium"``); ``chroma``
    ``"4:2:0"`` (every decoder and hardware encoder) or ``"4:4:4"`` (colour detail at
    full resolution, x264 only). At 2 Mbit/s on the link benchmark's photographs,
    ``"superfast"`` with ``"4:4:4"`` gave 35 dB PSNR against 33 dB at the defaults,
    for about 1.7 times the encoder's CPU per frame.
    """

    bitrate: int = 1_000_000
    gop: int = 30
    encoder: str = "auto"
    preset: str = "ultrafast"
    chroma: str = "4:2:0"

    def __post_init__(self) -> None:
        check_int("h264 bitrate (bits/s)", self.bitrate, 10_000, 1_000_000_000)
        check_int("h264 gop (frames)", self.gop, 1, 1000)
        if not isinstance(self.encoder, str) or not self.encoder.strip():
            raise ConfigError(
                f"h264 encoder must be 'auto' or a PyAV encoder name such as 'libx264' or "
                f"'h264_v4l2m2m', got {self.encoder!r}"
            )
        if self.preset not in H264_PRESETS:
            raise ConfigError(f"h264 preset must be one of {H264_PRESETS}, got {self.preset!r}")
        if self.chroma not in H264_CHROMA:
            raise ConfigError(
                f"h264 chroma must be one of {tuple(H264_CHROMA)}, got {self.chroma!r}"
            )


def _check_codec(config: SenderConfig) -> None:
    """The codec and its settings agree; H.264 has what it needs, where it works."""
    if config.codec is not None and config.codec not in _CODECS:
        raise ConfigError(f"codec must be 'raw', 'jpeg', 'h264' or None, got {config.codec!r}")
    codec = config.effective_codec
    if config.h264 is not None and codec != "h264":
        raise ConfigError(f"h264 settings need codec='h264', got codec={config.codec!r}")
    if codec != "h264":
        return
    if config.h264 is not None and not isinstance(config.h264, H264Config):
        raise ConfigError(f"h264 must be an H264Config or None, got {config.h264!r}")
    if config.bidirectional or config.multiclient:
        # Each hub's decoder needs its own keyframes, and a reply carrying data has no
        # room for the hub to ask for one.
        mode = "bidirectional mode" if config.bidirectional else "Multi-Clients Mode"
        raise ConfigError(f"codec='h264' does not work with {mode}; use 'jpeg' or 'raw'")
    from ..codecs.h264 import require_av

    require_av()


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    """Secure Mode: ZeroMQ CURVE encryption on every socket, and who may connect.

    ``mode`` 1 (StoneHouse) encrypts and accepts any sender's key; 2 (IronHouse)
    accepts only senders whose public key is in the hub's ``public_keys``
    folder, checked per key, so deleting one camera's ``.key`` file shuts that
    camera out, new connections at once and frames already flowing within half a
    second. ``keys`` is the key folder (vidgear's layout, see
    ``framehub.security.keys``; default ``~/.framehub``). ``key_name`` is this
    end's own pair (default ``server`` for a hub, ``client`` for a sender);
    ``hub_key`` the hub's public key a sender trusts. ``allow_ips`` (addresses
    or CIDR networks) also limits a hub to those peers; empty: any address.
    Missing or unreadable keys raise ``ConfigError`` at construction: Secure
    Mode never turns itself off.
    """

    mode: int = SecureMode.STONEHOUSE
    keys: KeyFolder = field(default_factory=KeyFolder.default)
    key_name: str | None = None
    hub_key: str = HUB_KEY
    allow_ips: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.mode, bool) or self.mode not in (1, 2):
            raise ConfigError(
                f"secure mode must be 1 (StoneHouse) or 2 (IronHouse), got {self.mode!r}"
            )
        object.__setattr__(self, "mode", SecureMode(self.mode))
        keys: object = self.keys
        if isinstance(keys, str | os.PathLike):
            keys = KeyFolder(Path(keys).expanduser().absolute())
        if not isinstance(keys, KeyFolder):
            raise ConfigError(f"keys must be a KeyFolder or a folder path, got {keys!r}")
        object.__setattr__(self, "keys", keys)
        if self.key_name is not None:
            check_key_name(self.key_name)
        check_key_name(self.hub_key)
        if isinstance(self.allow_ips, str) or not isinstance(self.allow_ips, tuple | list):
            raise ConfigError(f"allow_ips must be a tuple of addresses, got {self.allow_ips!r}")
        parse_networks("allow_ips", self.allow_ips)
        object.__setattr__(self, "allow_ips", tuple(self.allow_ips))

    def own_key(self, *, hub: bool) -> str:
        if self.key_name is not None:
            return self.key_name
        return HUB_KEY if hub else SENDER_KEY


#: The endpoint schemes an imagezmq sender can bind its PUB socket on.
_IMAGEZMQ_SCHEMES = ("tcp://", "ipc://")


@dataclass(frozen=True, slots=True)
class ImagezmqConfig:
    """imagezmq senders (``ImageSender``, unchanged) streaming into a hub.

    ``port``: their REQ/REP mode: the hub binds this port (on ``HubConfig.address``)
    and answers each frame ``b"OK"``; any number of senders share it. ``connect``:
    their PUB/SUB mode: each sender binds its own address (``"tcp://pi1:5555"``),
    which the hub connects to. Either or both. A sender's identity is the name it
    sends (``send_image(name, image)``, by imagezmq's convention ``"host|view"``):
    its frames' ``source`` and ``name``, its row in ``Hub.status()``. imagezmq has no
    goodbye, and senders on one port have no connection of their own to watch, so a
    sender is gone after ``gone_after`` seconds without a frame. A hub accepts up to
    1024 sender names, so that a peer inventing names cannot grow it without end.
    """

    port: PortValue | None = None
    connect: tuple[str, ...] = ()
    gone_after: float = 5.0

    def __post_init__(self) -> None:
        if self.port is not None:
            object.__setattr__(self, "port", check_port("imagezmq port", self.port))
        connect: object = self.connect
        if isinstance(connect, str) or not isinstance(connect, tuple | list):
            raise ConfigError(
                f"imagezmq connect must be a tuple of sender addresses, got {connect!r}"
            )
        for where in connect:
            if not isinstance(where, str) or not where.startswith(_IMAGEZMQ_SCHEMES):
                raise ConfigError(
                    "each imagezmq connect address must be 'tcp://host:port' or "
                    f"'ipc://path', got {where!r}"
                )
        if len(set(connect)) != len(connect):
            raise ConfigError(f"imagezmq connect addresses must be unique, got {connect!r}")
        object.__setattr__(self, "connect", tuple(connect))
        if self.port is None and not self.connect:
            raise ConfigError("ImagezmqConfig needs a port, connect addresses, or both")
        check_seconds("imagezmq gone_after", self.gone_after)


@dataclass(frozen=True, slots=True)
class HubConfig:
    """A receiving hub: binds every port in ``ports`` on ``address`` and takes frames.

    With ``multiserver`` (vidgear's Multi-Servers Mode) each port belongs to one
    server and every message must claim the port it arrives on; without it there
    is exactly one port. ``policy`` decides what happens when the consumer is
    slower than a server (default: lossless in patterns 0/1, latest in pattern 2, and
    latest if imagezmq PUB/SUB senders are connected to, see ``effective_policy``);
    ``queue_size`` frames per server are held at most (lossless: two while the
    consumer is persistently behind, see ``session.window``). A server without frames
    for ``quiet_after`` seconds is reported quiet; one whose connection closed
    without a goodbye (killed, or a network that stopped answering the transport's
    heartbeat) is gone ``gone_after`` seconds later, unless it reconnected. The
    ``lifetime`` says when ``recv()`` returns None: ``STREAM`` (the default, as
    vidgear) once every server seen has said goodbye or is gone; ``SERVICE`` only
    after ``close()``, for a hub that keeps serving cameras that come and go (a
    returning server is accepted at once either way). ``idle_timeout`` ends the stream
    when no server has sent anything for that long (vidgear's
    ``subscriber_timeout``). ``jpeg`` compresses ndarray return data in
    bidirectional mode; ``fastdct``/``fastupsample`` speed up JPEG
    decoding at a small cost in quality (OR-ed with each sender's own flags);
    ``decode_workers`` threads decode JPEG frames ahead of ``recv()`` (0: decode
    in ``recv()`` itself). With ``decode=False`` nothing is decoded unless asked
    for (``Frame.image``, ``Frame.thumbnail()``): JPEG bytes pass through as
    received (``Frame.jpeg``), e.g. to a web page.
    ``retain_frame_memory`` raises glibc's malloc thresholds for this process so
    that freed frame buffers are reused rather than returned to the kernel after
    every frame (a third more raw throughput; see ``transport.allocator``); set it
    False to leave the process's allocator as it is.
    ``window_budget``: while the hub takes in more than a gigabit link could carry,
    it asks its framehub senders to share this many frames in flight, and for one
    each while its consumer is behind (see ``session.window``); None never asks.
    ``publish``: an endpoint (``tcp://*:5600``) on which the hub republishes every
    valid message it receives, as received, for ``Subscriber``s on other machines
    (see ``transport.republisher``); each subscriber that falls ``publish_hwm``
    messages behind loses frames there, alone.
    ``imagezmq``: imagezmq senders too (see ``ImagezmqConfig``); ``ports`` may then
    be empty.
    """

    ports: tuple[PortValue, ...] = ()
    address: str = "*"
    protocol: Protocol = "tcp"
    pattern: Pattern = 1
    multiserver: bool = True
    bidirectional: bool = False
    policy: Policy | None = None
    queue_size: int = 8
    quiet_after: float = 1.0
    gone_after: float = 1.0
    end_grace: float = 1.0
    lifetime: Lifetime = Lifetime.STREAM
    idle_timeout: float | None = None
    jpeg: JpegConfig | None = field(default_factory=JpegConfig)
    fastdct: bool = False
    fastupsample: bool = False
    decode: bool = True
    decode_workers: int = field(default_factory=default_workers)
    close_timeout: float = 1.0
    limits: Limits = DEFAULT_LIMITS
    retain_frame_memory: bool = True
    security: SecurityConfig | None = None
    multiclient: bool = False
    window_budget: int | None = WINDOW_BUDGET
    publish: str | None = None
    # Frames (of every server together) waiting for one subscriber at most: what a
    # stalled subscriber costs the hub's memory, 28 MB of raw 640x480 frames.
    publish_hwm: int = 32
    imagezmq: ImagezmqConfig | None = None

    def __post_init__(self) -> None:
        _check_pattern(self.pattern)
        if self.publish is not None:
            check_endpoint("publish", self.publish)
        check_int("publish_hwm", self.publish_hwm, 1)
        _check_protocol(self.protocol)
        _check_modes(self.multiserver, self.multiclient, self.bidirectional, self.pattern)
        check_bool("retain_frame_memory", self.retain_frame_memory)
        if self.window_budget is not None:
            check_int("window_budget", self.window_budget, 1)
        _check_receiving(self)
        if self.imagezmq is not None and not isinstance(self.imagezmq, ImagezmqConfig):
            raise ConfigError(f"imagezmq must be an ImagezmqConfig or None, got {self.imagezmq!r}")
        if not isinstance(self.ports, tuple | list) or not (self.ports or self.imagezmq):
            raise ConfigError(
                f"ports must be a non-empty tuple of ports (or empty, with imagezmq), "
                f"got {self.ports!r}"
            )
        ports = tuple(check_port("each port", p) for p in self.ports)
        if self.imagezmq is not None and self.imagezmq.port in ports:
            raise ConfigError(f"imagezmq port {self.imagezmq.port} is also one of ports {ports}")
        if len(set(ports)) != len(ports):
            raise ConfigError(f"ports must be unique, got {self.ports!r}")
        if not self.multiserver and len(ports) > 1:
            raise ConfigError("without Multi-Servers Mode a hub binds exactly one port")
        object.__setattr__(self, "ports", ports)
        if self.policy is not None and not isinstance(self.policy, Policy):
            raise ConfigError(f"policy must be 'lossless' or 'latest', got {self.policy!r}")
        _check_security(self.security)
        if self.imagezmq is not None and self.security is not None:
            raise ConfigError(
                "imagezmq senders cannot use Secure Mode (imagezmq has no encryption): "
                "set imagezmq or security, not both"
            )

    @property
    def sources(self) -> tuple[str, ...]:
        """The ports as strings: how servers are identified."""
        return tuple(str(p) for p in self.ports)

    @property
    def silent_gone_after(self) -> float:
        """When a sender that shares its port (imagezmq's) is gone: after this long
        without a frame. Without imagezmq senders the value is never used."""
        return self.gone_after if self.imagezmq is None else self.imagezmq.gone_after

    @property
    def effective_policy(self) -> Policy:
        """Lossless where the wire can push back on every server (patterns 0/1, imagezmq's
        REQ/REP), else latest: a server that cannot be made to wait would have its
        frames go stale in its own queue instead."""
        if self.policy is not None:
            return self.policy
        netgear_answers = not self.ports or self.pattern != 2
        imagezmq_answers = self.imagezmq is None or not self.imagezmq.connect
        return Policy.LOSSLESS if netgear_answers and imagezmq_answers else Policy.LATEST

    @property
    def acknowledges(self) -> bool:
        """Whether the hub answers some of its servers' frames, and so can hold one back:
        NetGear ports in patterns 0/1, or an imagezmq REQ/REP port."""
        netgear = bool(self.ports) and self.pattern != 2
        return netgear or (self.imagezmq is not None and self.imagezmq.port is not None)


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """A server: connects to the hub at ``address``:``port`` and sends frames.

    ``port`` is sent as given as the server's identity in Multi-Servers Mode.
    ``request_timeout`` bounds every wait in ``send()``; ``max_retries`` counts
    consecutive failed exchanges (reset by any success) before ``send()`` raises
    ``PeerTimeout``; ``None`` keeps going forever, dropping and counting frames
    while the hub is away. ``window`` frames may await acknowledgement at once in
    patterns 0/1 (bidirectional mode always uses 1, so each reply belongs to its
    own frame). Frames of ``copy_threshold`` bytes or more are sent without
    copying; ``track`` makes ``send()`` wait until ZeroMQ no longer needs the
    frame's memory, so the caller may overwrite the array afterwards.
    ``nonblocking`` (vidgear's ``flag=zmq.NOBLOCK``) makes ``send()`` never wait:
    a frame the hub cannot take at once (not connected, window full) is dropped.
    ``name`` is sent with every frame (a header key of framehub's own, which vidgear
    ignores) so that a framehub hub can show it beside the port, ``door (5566)``;
    the port stays the server's identity.
    ``multiclient`` marks the configuration of a ``SenderGroup`` (Multi-Clients
    Mode), which checks it against the other modes.
    ``codec`` is ``"raw"``, ``"jpeg"`` (settings in ``jpeg``, or the defaults) or
    ``"h264"`` (settings in ``h264``, or the defaults); None keeps vidgear's rule:
    JPEG when ``jpeg`` is set, raw when it is None. H.264 goes only to a hub that
    says it is framehub (patterns 0/1: the first frame goes as JPEG and asks; a
    vidgear hub then makes ``send()`` raise ``ConfigError``); in pattern 2, where
    no hub answers, asking for it is the user's own word that the hub is framehub.
    """

    port: PortValue
    address: str = "localhost"
    protocol: Protocol = "tcp"
    pattern: Pattern = 1
    multiserver: bool = True
    bidirectional: bool = False
    jpeg: JpegConfig | None = field(default_factory=JpegConfig)
    request_timeout: float = 4.0
    max_retries: int | None = None
    # Frames in flight keep a sender busy while acknowledgements travel, which
    # matters most over long round trips (Wi-Fi). On loopback, two raw 640x480
    # servers measured best at four (1.05-1.24x vidgear against 0.99x at two); with
    # eight servers windows of 2, 3 and 4 were within the machine's noise.
    window: int = 4
    queue: int = 2
    nonblocking: bool = False
    copy_threshold: int = 64 * 1024
    track: bool = False
    close_timeout: float = 1.0
    limits: Limits = DEFAULT_LIMITS
    security: SecurityConfig | None = None
    ssh_tunnel: SshTunnelConfig | None = None
    name: str | None = None
    multiclient: bool = False
    codec: Codec | None = None
    h264: H264Config | None = None

    def __post_init__(self) -> None:
        _check_pattern(self.pattern)
        _check_protocol(self.protocol)
        check_port("port", self.port)
        if self.name is not None:
            check_server_name(self.name)
        _check_security(self.security)
        if self.ssh_tunnel is not None:
            if not isinstance(self.ssh_tunnel, SshTunnelConfig):
                raise ConfigError(
                    f"ssh_tunnel must be an SshTunnelConfig or None, got {self.ssh_tunnel!r}"
                )
            if self.multiserver or self.multiclient:
                mode = "Multi-Servers" if self.multiserver else "Multi-Clients"
                raise ConfigError(f"an SSH tunnel cannot be combined with {mode} Mode")
            if self.protocol != "tcp":
                raise ConfigError("an SSH tunnel needs protocol 'tcp'")
        _check_modes(self.multiserver, self.multiclient, self.bidirectional, self.pattern)
        check_seconds("request_timeout", self.request_timeout)
        check_seconds("close_timeout", self.close_timeout)
        if self.max_retries is not None:
            check_int("max_retries", self.max_retries, 1)
        check_int("window", self.window, 1, MAX_WINDOW)
        check_int("queue", self.queue, 1)
        check_int("copy_threshold", self.copy_threshold, 0)
        check_bool("track", self.track)
        check_bool("nonblocking", self.nonblocking)
        _check_codec(self)

    @property
    def effective_codec(self) -> Codec:
        """The codec frames are sent with (``codec``, or what ``jpeg`` implies)."""
        if self.codec is not None:
            return self.codec
        return "raw" if self.jpeg is None else "jpeg"

    @property
    def effective_h264(self) -> H264Config:
        return self.h264 if self.h264 is not None else H264Config()

    @property
    def effective_jpeg(self) -> JpegConfig:
        return self.jpeg if self.jpeg is not None else JpegConfig()

    @property
    def effective_window(self) -> int:
        return 1 if self.bidirectional else self.window


@dataclass(frozen=True, slots=True)
class SubscriberConfig:
    """A consumer of frames that hubs republish (``HubConfig.publish``).

    ``hubs``: their publish endpoints (``tcp://hub1:5600``). ``cameras``: the
    cameras to take, each named by its hub's source id (the port it streams to,
    ``"5566"``; an imagezmq sender's name) or by the name it gave
    (``SenderConfig.name``); None takes every camera. The hubs filter (libzmq
    subscriptions), so frames of other cameras never cross the network to this
    subscriber. A camera's id here (``Frame.source``) is
    its hub's source id, behind ``host:port/`` of the hub's endpoint when there are
    several hubs (``hub1:5600/5566``).

    Everything else means what it means in ``HubConfig``: ``policy`` (latest by
    default), ``queue_size``, ``quiet_after``, ``gone_after`` (applied to the
    connections the hub reports, to a hub that is lost, and to the silence of an
    imagezmq sender the hub relays), ``lifetime``,
    ``idle_timeout``, decoding. ``rcvhwm``: relayed messages each hub's socket keeps
    while the consumer is busy; beyond that the hub drops this subscriber's frames
    (counted in ``status()`` as ``dropped``).
    """

    hubs: tuple[str, ...]
    cameras: tuple[str, ...] | None = None
    policy: Policy = Policy.LATEST
    queue_size: int = 8
    quiet_after: float = 1.0
    gone_after: float = 1.0
    end_grace: float = 1.0
    lifetime: Lifetime = Lifetime.STREAM
    idle_timeout: float | None = None
    fastdct: bool = False
    fastupsample: bool = False
    decode: bool = True
    decode_workers: int = field(default_factory=default_workers)
    close_timeout: float = 1.0
    limits: Limits = DEFAULT_LIMITS
    # A few frames: enough to ride out a consumer's hiccup, few enough that what it
    # takes after a stall is fresh (the hub's own queue drops the rest).
    rcvhwm: int = 4

    def __post_init__(self) -> None:
        if isinstance(self.hubs, str) or not isinstance(self.hubs, tuple | list) or not self.hubs:
            raise ConfigError(
                f"hubs must be a non-empty list of endpoints such as 'tcp://hub1:5600', "
                f"got {self.hubs!r}"
            )
        hubs = tuple(check_endpoint("each hub", hub) for hub in self.hubs)
        if len(set(hubs)) != len(hubs):
            raise ConfigError(f"hubs must be distinct, got {self.hubs!r}")
        object.__setattr__(self, "hubs", hubs)
        if self.cameras is not None:
            if isinstance(self.cameras, str) or not isinstance(self.cameras, tuple | list):
                raise ConfigError(
                    f"cameras must be a list of source ids or names, or None, got {self.cameras!r}"
                )
            object.__setattr__(self, "cameras", tuple(_check_camera(c) for c in self.cameras))
        if not isinstance(self.policy, Policy):
            raise ConfigError(f"policy must be 'lossless' or 'latest', got {self.policy!r}")
        check_int("rcvhwm", self.rcvhwm, 1)
        _check_receiving(self)

    @property
    def labels(self) -> tuple[str, ...]:
        """What each hub's cameras' ids start with: nothing with one hub, else its
        ``host:port/``."""
        if len(self.hubs) == 1:
            return ("",)
        return tuple(hub.split("://", 1)[1] + "/" for hub in self.hubs)

    # What the hub's reception reads of its configuration (``api.reception``): a
    # subscriber is pattern 2 (no replies, so no advice and no return data).
    @property
    def sources(self) -> tuple[str, ...]:
        return self.cameras or ()

    @property
    def effective_policy(self) -> Policy:
        return self.policy

    @property
    def silent_gone_after(self) -> float:
        return self.gone_after

    @property
    def acknowledges(self) -> bool:
        return False

    @property
    def pattern(self) -> Pattern:
        return 2

    @property
    def bidirectional(self) -> bool:
        return False

    @property
    def multiclient(self) -> bool:
        return False

    @property
    def window_budget(self) -> int | None:
        return None
