"""``NetGear``: vidgear's class, with its signature and return shapes, over the native API."""

from __future__ import annotations

import logging
from dataclasses import replace
from logging import DEBUG, INFO
from pathlib import Path
from typing import Any

import numpy as np

from ..api import (
    Frame,
    H264Config,
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
from ..errors import ConfigError, PeerTimeout
from ..security import HUB_KEY, SENDER_KEY, KeyFolder
from .options import End, NetGearOptions, parse_options, retry_budget

__all__ = ["NetGear"]

log = logging.getLogger(__name__)

_DEFAULT_PORT = "5555"


def _jpeg(group: dict[str, Any]) -> JpegConfig | None:
    if group["colorspace"] is None:
        return None
    return JpegConfig(**group)


def _ssh_tunnel(group: dict[str, Any] | None) -> SshTunnelConfig | None:
    if group is None or group["server"] is None:
        return None
    return SshTunnelConfig.parse(
        group["server"], password=group["password"], keyfile=group["keyfile"]
    )


def _security(group: dict[str, Any]) -> SecurityConfig | None:
    """vidgear's Secure Mode keys: the same folder layout, and its key making.

    As vidgear does, a sender with ``overwrite_cert=True`` makes a fresh
    ``server``/``client`` set, and a folder with no key at all gets one; a
    folder holding some keys but not the ones needed raises (``ConfigError``
    naming the file) rather than starting without security.
    """
    if not group["mode"]:
        return None
    location = group["keys"]
    if location is not None:
        if not Path(location).expanduser().is_dir():
            raise ConfigError(
                f"option 'custom_cert_location' must be an existing folder, got {location!r}"
            )
        folder = KeyFolder.vidgear(location)
    else:
        folder = KeyFolder.default()
    overwrite = group.get("overwrite", False)
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
        mode=group["mode"],
        keys=folder,
        key_name=group["key_name"],
        allow_ips=group.get("allow_ips", ()),
    )


def _native(opts: NetGearOptions) -> dict[str, Any]:
    """The option table's translation, with its groups built into their configs."""
    kwargs = opts.native()
    kwargs["jpeg"] = _jpeg(kwargs["jpeg"])
    kwargs["security"] = _security(kwargs["security"])
    if opts.end is End.SEND:
        kwargs["ssh_tunnel"] = _ssh_tunnel(kwargs["ssh_tunnel"])
        kwargs["h264"] = _h264(kwargs["h264"], opts)
    return kwargs


def _h264(group: dict[str, Any], opts: NetGearOptions) -> H264Config | None:
    if opts["codec"] == "h264":
        return H264Config(**group)
    given = sorted(opts.given & {"bitrate", "gop", "h264_encoder"})
    if given:
        log.warning("option(s) %s have no effect without codec 'h264'; ignored", given)
    return None


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
    # The modes are checked (by the config) before the port, whose shape they decide.
    config = HubConfig(
        ports=(_DEFAULT_PORT,),
        address="*" if address is None else address,
        protocol=protocol,
        pattern=pattern,
        **_native(opts),
    )
    if config.multiclient and (port is None or isinstance(port, tuple | list)):
        raise ConfigError(
            f"port must be this client's own unique port in Multi-Clients Mode, got {port!r}"
        )
    if config.multiserver:
        if not isinstance(port, tuple | list):
            raise ConfigError(
                "port must be a list or tuple of every server's port in Multi-Servers Mode, "
                f"got {port!r}"
            )
        return replace(config, ports=tuple(port))
    if isinstance(port, tuple | list):
        raise ConfigError("a list of ports needs multiserver_mode=True")
    return config if port is None else replace(config, ports=(port,))


def _sender_config(
    address: str | None, port: Any, protocol: Protocol, pattern: Pattern, opts: NetGearOptions
) -> SenderConfig:
    # The modes are checked (by the config) before the port, whose shape they decide.
    config = SenderConfig(
        port=_DEFAULT_PORT,
        address="localhost" if address is None else address,
        protocol=protocol,
        pattern=pattern,
        **_native(opts),
    )
    if config.multiserver and port is None:
        raise ConfigError("port must be this server's own unique port in Multi-Servers Mode")
    if config.multiclient:
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
    return config if port is None else replace(config, port=port)


class NetGear(Closing):
    """vidgear's NetGear, drop-in: same constructor, same ``send``/``recv``/``close``.

    A receiving NetGear (``receive_mode=True``) is a ``Hub``; a sending one is a
    ``Sender``. Unlike vidgear, unknown options and values of the wrong type raise
    ``ConfigError`` (a ``ValueError``) instead of being skipped; a valid option that
    does not apply to this end, pattern or mode is logged as a warning and ignored,
    as in vidgear (see ``options.OPTIONS``). ``logging=True``
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
        end = End.RECEIVE if receive_mode else End.SEND
        self._opts = parse_options(options, pattern=checked_pattern, end=end)
        proto = _protocol(protocol)
        self._hub: Hub | None = None
        self._sender: Sender | SenderGroup | None = None
        self._pattern = checked_pattern
        # How many empty request_timeout periods a receiving NetGear waits through.
        self._retries = retry_budget(self._opts["max_retries"]) if receive_mode else None
        self._warned_return_data = False
        if receive_mode:
            self._hub = Hub(_hub_config(address, port, proto, checked_pattern, self._opts))
        else:
            config = _sender_config(address, port, proto, checked_pattern, self._opts)
            if config.multiclient:
                broadcast = self._opts["multiclient_broadcast"]
                self._sender = SenderGroup(config, port, broadcast=broadcast)
            else:
                self._sender = Sender(config)
        log.log(
            self._level,
            "NetGear %s ready: pattern %d, port %r%s",
            "receiver" if receive_mode else "sender",
            pattern,
            port,
            ", Multi-Servers Mode" if self._opts["multiserver_mode"] else "",
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
        takes it too (pattern 1), as vidgear's does. Elsewhere it is ignored, with a
        warning the first time.

        With ``max_retries`` (patterns 0 and 1) this gives up, as vidgear's client
        does, once no frame has arrived for ``max_retries`` periods of
        ``request_timeout`` seconds in a row: it logs an error, closes the hub and
        returns None. Without it, it waits for as long as it takes.
        """
        hub = self._receiver("recv")
        if return_data is not None:
            self._set_reply(hub, return_data)
        frame = self._next_frame(hub)
        return None if frame is None else self._shape(frame)

    def _set_reply(self, hub: Hub, return_data: Any) -> None:
        if self._opts["bidirectional_mode"] or (
            self._opts["multiclient_mode"] and self._pattern == 1
        ):
            hub.set_reply(return_data)
        elif not self._warned_return_data:
            self._warned_return_data = True
            log.warning(
                "recv(return_data=...) has no effect without bidirectional_mode=True "
                "(or multiclient_mode=True with pattern 1); ignored"
            )

    def _next_frame(self, hub: Hub) -> Frame | None:
        if self._retries is None:
            return hub.recv()
        period = self._opts["request_timeout"]
        for _ in range(self._retries):
            try:
                return hub.recv(timeout=period)
            except PeerTimeout:
                log.warning("no frame from any server for %.3g s", period)
        log.error(
            "no frame from any server for %d periods of %.3g s (max_retries, request_timeout): "
            "giving up",
            self._retries,
            period,
        )
        hub.close()
        return None

    def _shape(self, frame: Frame) -> Any:
        if self._opts["multiserver_mode"]:
            address = frame.sender_port if frame.sender_port is not None else frame.source
            if frame.message:
                return (address, frame.message, frame.image)
            return (address, frame.image)
        if self._opts["bidirectional_mode"]:
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
        if self._opts["bidirectional_mode"]:
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
