"""``NetGear``: vidgear's class, with its signature and return shapes, over the native API."""

from __future__ import annotations

import logging
from logging import DEBUG, INFO
from pathlib import Path
from typing import Any

import numpy as np

from ..api import (
    Frame,
    Hub,
    HubConfig,
    JpegConfig,
    SecurityConfig,
    Sender,
    SenderConfig,
    SenderGroup,
    SshTunnelConfig,
)
from ..api.config import Pattern, Protocol
from ..checks import Closing
from ..errors import ConfigError
from ..security import HUB_KEY, SENDER_KEY, KeyFolder
from .options import NetGearOptions, copy_threshold, parse_options

__all__ = ["NetGear"]

log = logging.getLogger(__name__)

_DEFAULT_PORT = "5555"


def _jpeg(opts: NetGearOptions) -> JpegConfig | None:
    if not opts.jpeg_compression:
        return None
    return JpegConfig(
        quality=opts.jpeg_compression_quality,
        colorspace=opts.jpeg_compression_colorspace,
        fastdct=opts.jpeg_compression_fastdct,
        fastupsample=opts.jpeg_compression_fastupsample,
    )


def _security(opts: NetGearOptions, *, receiving: bool) -> SecurityConfig | None:
    """vidgear's Secure Mode keys: the same folder layout, and its key making.

    As vidgear does, a sender with ``overwrite_cert=True`` makes a fresh
    ``server``/``client`` set, and a folder with no key at all gets one; a
    folder holding some keys but not the ones needed raises (``ConfigError``
    naming the file) rather than starting without security.
    """
    if not opts.secure_mode:
        return None
    if opts.custom_cert_location is not None:
        if not Path(opts.custom_cert_location).expanduser().is_dir():
            raise ConfigError(
                "option 'custom_cert_location' must be an existing folder, "
                f"got {opts.custom_cert_location!r}"
            )
        folder = KeyFolder.vidgear(opts.custom_cert_location)
    else:
        folder = KeyFolder.default()
    overwrite = opts.overwrite_cert
    if overwrite and receiving:
        log.warning("option 'overwrite_cert' is ignored on the receiving end, as in vidgear")
        overwrite = False
    if overwrite or not folder.has_any_key():
        for name in (HUB_KEY, SENDER_KEY):
            folder.create(name, overwrite=overwrite)
        log.warning(
            "made a new CURVE key set in %s: copy public_keys/%s.key and the %s pair to "
            "the other end (or run 'framehub keys')",
            folder.keys_dir,
            HUB_KEY,
            SENDER_KEY,
        )
    return SecurityConfig(
        mode=opts.secure_mode,
        keys=folder,
        key_name=opts.secure_key_name,
        allow_ips=opts.secure_allow_ips,
    )


def _protocol(protocol: object) -> Protocol:
    if protocol is None:
        return "tcp"
    if protocol == "tcp" or protocol == "ipc":
        return protocol
    raise ConfigError(f"protocol must be 'tcp' or 'ipc', got {protocol!r}")


def _pattern(pattern: object) -> Pattern:
    if isinstance(pattern, bool) or pattern not in (0, 1, 2):
        raise ConfigError(f"pattern must be 0 (PAIR), 1 (REQ/REP) or 2 (PUB/SUB), got {pattern!r}")
    return pattern


def _hub_config(
    address: str | None, port: Any, protocol: Protocol, pattern: Pattern, opts: NetGearOptions
) -> HubConfig:
    if opts.multiclient_mode and (port is None or isinstance(port, tuple | list)):
        raise ConfigError(
            f"port must be this client's own unique port in Multi-Clients Mode, got {port!r}"
        )
    if opts.multiserver_mode:
        if not isinstance(port, tuple | list):
            raise ConfigError(
                "port must be a list or tuple of every server's port in Multi-Servers Mode, "
                f"got {port!r}"
            )
        ports = tuple(port)
    else:
        if isinstance(port, tuple | list):
            raise ConfigError("a list of ports needs multiserver_mode=True")
        ports = (_DEFAULT_PORT if port is None else port,)
    if opts.flag:
        log.warning("option 'flag' has no effect on a receiving NetGear")
    if opts.ssh_tunnel_mode is not None:
        raise ConfigError("ssh_tunnel_mode is for the sending end (receive_mode=False) only")
    return HubConfig(
        ports=ports,
        address="*" if address is None else address,
        protocol=protocol,
        pattern=pattern,
        multiserver=opts.multiserver_mode,
        multiclient=opts.multiclient_mode,
        bidirectional=opts.bidirectional_mode,
        policy=opts.policy,
        queue_size=opts.queue_size,
        gone_after=opts.gone_after,
        idle_timeout=opts.subscriber_timeout,
        jpeg=_jpeg(opts),
        fastdct=opts.jpeg_compression_fastdct,
        fastupsample=opts.jpeg_compression_fastupsample,
        close_timeout=opts.close_timeout,
        security=_security(opts, receiving=True),
    )


def _sender_config(
    address: str | None, port: Any, protocol: Protocol, pattern: Pattern, opts: NetGearOptions
) -> SenderConfig:
    if opts.multiserver_mode and port is None:
        raise ConfigError("port must be this server's own unique port in Multi-Servers Mode")
    if opts.multiclient_mode:
        if not isinstance(port, tuple | list) or not port:
            raise ConfigError(
                "port must be a list or tuple of every client's port in Multi-Clients Mode, "
                f"got {port!r}"
            )
        port = port[0]
    elif isinstance(port, tuple | list):
        raise ConfigError(
            f"a server takes one port (or a list with multiclient_mode), got {port!r}"
        )
    defaults = SenderConfig(port=_DEFAULT_PORT)
    return SenderConfig(
        port=_DEFAULT_PORT if port is None else port,
        address="localhost" if address is None else address,
        protocol=protocol,
        pattern=pattern,
        multiserver=opts.multiserver_mode,
        bidirectional=opts.bidirectional_mode,
        jpeg=_jpeg(opts),
        request_timeout=opts.request_timeout,
        max_retries=opts.max_retries,
        window=opts.window,
        nonblocking=bool(opts.flag),
        copy_threshold=copy_threshold(opts, defaults.copy_threshold),
        track=opts.track,
        close_timeout=opts.close_timeout,
        security=_security(opts, receiving=False),
        ssh_tunnel=None
        if opts.ssh_tunnel_mode is None
        else SshTunnelConfig.parse(
            opts.ssh_tunnel_mode, password=opts.ssh_tunnel_pwd, keyfile=opts.ssh_tunnel_keyfile
        ),
    )


class NetGear(Closing):
    """vidgear's NetGear, drop-in: same constructor, same ``send``/``recv``/``close``.

    A receiving NetGear (``receive_mode=True``) is a ``Hub``; a sending one is a
    ``Sender``. Unlike vidgear, unknown options and values of the wrong type raise
    ``ConfigError`` (a ``ValueError``) instead of being skipped. ``logging=True``
    logs this instance's life at INFO instead of DEBUG; as with every library,
    nothing shows until the application configures logging (e.g.
    ``logging.basicConfig(level=logging.INFO)``).
    """

    def __init__(
        self,
        address: str | None = None,
        port: Any = None,
        protocol: str | None = None,
        pattern: int = 0,
        receive_mode: bool = False,
        logging: bool = False,
        **options: Any,
    ) -> None:
        checked_pattern = _pattern(pattern)
        if not isinstance(receive_mode, bool):
            raise ConfigError(f"receive_mode must be True or False, got {receive_mode!r}")
        self._level = INFO if logging else DEBUG
        self._opts = parse_options(options, pattern=checked_pattern)
        proto = _protocol(protocol)
        self._hub: Hub | None = None
        self._sender: Sender | SenderGroup | None = None
        if receive_mode:
            self._hub = Hub(_hub_config(address, port, proto, checked_pattern, self._opts))
        else:
            config = _sender_config(address, port, proto, checked_pattern, self._opts)
            if self._opts.multiclient_mode:
                broadcast = self._opts.multiclient_broadcast
                self._sender = SenderGroup(config, port, broadcast=broadcast)
            else:
                self._sender = Sender(config)
        log.log(
            self._level,
            "NetGear %s ready: pattern %d, port %r%s",
            "receiver" if receive_mode else "sender",
            pattern,
            port,
            ", Multi-Servers Mode" if self._opts.multiserver_mode else "",
        )

    @property
    def hub(self) -> Hub:
        """The native hub behind a receiving NetGear (status, events, iteration)."""
        if self._hub is None:
            raise ConfigError("this NetGear sends (receive_mode=False): it has no hub")
        return self._hub

    @property
    def sender(self) -> Sender | SenderGroup:
        """The native sender behind a sending NetGear (stats)."""
        if self._sender is None:
            raise ConfigError("this NetGear receives (receive_mode=True): it has no sender")
        return self._sender

    def recv(self, return_data: Any = None) -> Any:
        """The next frame, shaped as vidgear shapes it; None once every server has ended.

        Multi-Servers Mode: ``(port, frame)``, or ``(port, message, frame)`` when the
        server sent a message. Bidirectional Mode alone: ``(message, frame)``.
        Otherwise the frame. ``return_data`` (bidirectional mode) is sent back with
        every acknowledgement from now on, until replaced; a Multi-Clients client
        takes it too (pattern 1), as vidgear's does.
        """
        hub = self._receiver("recv")
        if return_data is not None:
            if not (self._opts.bidirectional_mode or self._opts.multiclient_mode):
                raise ConfigError("return_data needs bidirectional_mode=True (or multiclient_mode)")
            hub.set_reply(return_data)
        frame = hub.recv()
        return None if frame is None else self._shape(frame)

    def _shape(self, frame: Frame) -> Any:
        if self._opts.multiserver_mode:
            address = frame.sender_port if frame.sender_port is not None else frame.source
            if frame.message:
                return (address, frame.message, frame.image)
            return (address, frame.image)
        if self._opts.bidirectional_mode:
            return (frame.message if frame.message else None, frame.image)
        return frame.image

    def send(self, frame: np.ndarray[Any, Any], message: Any = None) -> Any:
        """Send a frame (and ``message``: any JSON value but an ndarray).

        Returns the client's return data in bidirectional mode, else None. In
        Multi-Clients Mode with pattern 1, as in vidgear (with or without
        bidirectional mode), each frame goes to one client in turn and this returns
        ``(client_port, data)``, or None if no client took it; with
        ``multiclient_broadcast=True`` every client gets every frame and, in
        bidirectional mode, this returns a list of ``(client_port, data)``.
        """
        sender = self._transmitter("send")
        if isinstance(sender, SenderGroup):
            if sender.config.pattern == 2 or (sender.broadcast and not sender.config.bidirectional):
                sender.send(frame, message)
                return None
            replies = sender.request(frame, message)
            if sender.broadcast:
                return replies
            return replies[0] if replies else None
        if self._opts.bidirectional_mode:
            return sender.request(frame, message)
        sender.send(frame, message)
        return None

    def _receiver(self, method: str) -> Hub:
        if self._hub is None:
            raise ConfigError(f"{method}() needs receive_mode=True")
        return self._hub

    def _transmitter(self, method: str) -> Sender | SenderGroup:
        if self._sender is None:
            raise ConfigError(f"{method}() needs receive_mode=False")
        return self._sender

    def close(self, kill: bool = False) -> None:
        """Release everything; a server first tells the client its stream has ended.

        Idempotent, and bounded by ``close_timeout`` (1 s by default). ``kill`` is
        accepted for vidgear compatibility; closing is always bounded here.
        """
        if self._hub is not None:
            self._hub.close()
        if self._sender is not None:
            self._sender.close()
        log.log(self._level, "NetGear closed")
