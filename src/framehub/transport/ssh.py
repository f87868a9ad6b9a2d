"""A sender's way to a hub through an SSH server (vidgear's ``ssh_tunnel_mode``).

The sender's socket connects to a port on 127.0.0.1 that this module listens
on; each connection ZeroMQ makes there is carried over the SSH connection to
the hub's address, as seen from the SSH server. When the SSH link drops, the
forwarded connection ends, ZeroMQ reconnects to the local port as it would to
any lost peer, and that new connection re-establishes the SSH link first.

paramiko is optional (``pip install 'framehub[ssh]'``) and imported only here.
"""

from __future__ import annotations

import getpass
import logging
import os
import select
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, TransportError

__all__ = ["SshTunnel", "SshTunnelConfig", "parse_ssh_server"]

log = logging.getLogger(__name__)

#: Bounds the SSH connection and authentication at start and on each reconnect.
CONNECT_TIMEOUT = 5.0
#: SSH keepalives find a dead link even while no frame is sent.
KEEPALIVE_SECONDS = 5
#: How often idle forwarding threads look up to see whether the tunnel is closing.
_SELECT_SECONDS = 0.5
_CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class SshTunnelConfig:
    """Where the SSH server is and how to log in (vidgear's ``ssh_tunnel_*`` options)."""

    host: str
    port: int = 22
    user: str = field(default_factory=getpass.getuser)
    password: str | None = field(default=None, repr=False)
    keyfile: str | None = None
    #: Refuse SSH servers missing from known_hosts (default: accept with a warning,
    #: as vidgear's tunnel does).
    strict_host_key: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host.strip():
            raise ConfigError(f"the SSH server's host must be a name or address, got {self.host!r}")
        if (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 < self.port < 65536
        ):
            raise ConfigError(f"the SSH server's port must be 1-65535, got {self.port!r}")
        if self.keyfile is not None and not os.path.isfile(os.path.expanduser(self.keyfile)):
            raise ConfigError(
                f"ssh_tunnel_keyfile must be an existing private key file, got {self.keyfile!r}"
            )

    @classmethod
    def parse(
        cls, server: str, *, password: str | None = None, keyfile: str | None = None
    ) -> SshTunnelConfig:
        """From vidgear's options: ``ssh_tunnel_mode='[user@]host[:port]'`` and the rest."""
        user, host, port = parse_ssh_server(server)
        return cls(host, port, user or getpass.getuser(), password=password, keyfile=keyfile)

    @property
    def name(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


def parse_ssh_server(text: str) -> tuple[str | None, str, int]:
    """``[user@]host[:port]`` as (user or None, host, port)."""
    user, _, hostport = text.strip().rpartition("@")
    host, colon, port_text = hostport.rpartition(":")
    if not colon or "]" in port_text:
        host, port_text = hostport, "22"
    host = host.strip("[]")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(
            f"ssh_tunnel_mode must be '[user@]host[:port]' such as 'pi@192.168.1.5:22', "
            f"got {text!r}"
        )
    return (user or None), host, int(port_text)


def _paramiko() -> Any:
    try:
        import paramiko
    except ImportError:
        raise ConfigError("ssh_tunnel_mode needs paramiko: pip install 'framehub[ssh]'") from None
    return paramiko


def _log_unknown_host_key(paramiko: Any) -> Any:
    """Accept an SSH server missing from known_hosts, saying so in the log (not warnings)."""

    class LogUnknown(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            log.warning(
                "SSH server %s is not in known_hosts (%s key %s); accepted. Set "
                "strict_host_key=True to refuse unknown servers",
                hostname,
                key.get_name(),
                key.get_fingerprint().hex(),
            )

    return LogUnknown()


class SshTunnel:
    """Forwards ``127.0.0.1:local_port`` to ``remote`` through an SSH server.

    The SSH connection is made at construction, so an unreachable server or a
    refused login raises there (``TransportError``, saying which).
    """

    def __init__(self, spec: SshTunnelConfig, remote_host: str, remote_port: int) -> None:
        self.spec = spec
        self.remote = (remote_host, remote_port)
        self._paramiko = _paramiko()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._client: Any = None
        self._connect()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_SELECT_SECONDS)
        self.local_port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._start(self._accept, "framehub-ssh-accept")
        log.info(
            "SSH tunnel via %s: 127.0.0.1:%d -> %s:%d",
            spec.name,
            self.local_port,
            remote_host,
            remote_port,
        )

    # -- the SSH connection -----------------------------------------------------------

    def _connect(self) -> None:
        paramiko = self._paramiko
        spec = self.spec
        client = paramiko.SSHClient()
        client.load_system_host_keys()
        client.set_missing_host_key_policy(
            paramiko.RejectPolicy() if spec.strict_host_key else _log_unknown_host_key(paramiko)
        )
        try:
            client.connect(
                spec.host,
                port=spec.port,
                username=spec.user,
                password=spec.password,
                key_filename=None if spec.keyfile is None else os.path.expanduser(spec.keyfile),
                look_for_keys=spec.keyfile is None and spec.password is None,
                allow_agent=spec.keyfile is None and spec.password is None,
                timeout=CONNECT_TIMEOUT,
                banner_timeout=CONNECT_TIMEOUT,
                auth_timeout=CONNECT_TIMEOUT,
            )
        except paramiko.AuthenticationException as exc:
            client.close()
            how = (
                f"the key in {spec.keyfile}"
                if spec.keyfile
                else "the password"
                if spec.password
                else "the default keys"
            )
            raise TransportError(
                f"SSH server {spec.name} refused {how} for user {spec.user!r}: {exc}"
            ) from exc
        except (OSError, paramiko.SSHException) as exc:
            client.close()
            raise TransportError(f"SSH server {spec.name} is not reachable: {exc}") from exc
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(KEEPALIVE_SECONDS)
        self._client = client

    def _channel(self) -> Any:
        """A forwarded channel to the hub, reconnecting to the SSH server if the link dropped."""
        with self._lock:
            transport = self._client.get_transport() if self._client is not None else None
            if transport is None or not transport.is_active():
                log.warning("SSH link to %s dropped; connecting again", self.spec.name)
                if self._client is not None:
                    self._client.close()
                self._client = None
                self._connect()
                transport = self._client.get_transport()
            return transport.open_channel(
                "direct-tcpip", self.remote, ("127.0.0.1", 0), timeout=CONNECT_TIMEOUT
            )

    def drop(self) -> None:
        """Close the SSH connection as a network failure would (forwarding carries on after)."""
        with self._lock:
            if self._client is not None:
                self._client.close()

    # -- forwarding ---------------------------------------------------------------------

    def _start(self, target: Any, name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                local, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._start(self._forward, "framehub-ssh-forward", local)

    def _forward(self, local: socket.socket) -> None:
        try:
            channel = self._channel()
        except (TransportError, OSError, self._paramiko.SSHException) as exc:
            # ZeroMQ will connect to the local port again (backing off up to 1 s).
            log.warning("SSH tunnel to %s:%d unavailable: %s", *self.remote, exc)
            local.close()
            return
        try:
            self._pump(local, channel)
        except self._paramiko.SSHException as exc:
            log.debug("SSH forwarding ended: %s", exc)
        finally:
            channel.close()
            local.close()

    def _pump(self, local: socket.socket, channel: Any) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([local, channel], [], [], _SELECT_SECONDS)
            for source, sink in ((local, channel), (channel, local)):
                if source in ready:
                    try:
                        data = source.recv(_CHUNK)
                    except OSError:
                        return
                    if not data:
                        return
                    try:
                        sink.sendall(data)
                    except OSError:
                        return
            if channel.closed:
                return

    def close(self) -> None:
        """Stop forwarding and close the SSH connection; bounded. Idempotent."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(_SELECT_SECONDS * 2)
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
