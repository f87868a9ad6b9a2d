"""SSH tunnelling through a real OpenSSH server started for the test on 127.0.0.1."""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from framehub import (
    ConfigError,
    Hub,
    HubConfig,
    NetGear,
    Policy,
    Sender,
    SenderConfig,
    SshTunnelConfig,
    TransportError,
)
from support import free_ports

pytest.importorskip("paramiko", reason="SSH tunnelling needs paramiko (framehub[ssh])")
pytestmark = pytest.mark.timeout(60)

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass
class SshServer:
    port: int
    user: str
    keyfile: Path
    wrong_keyfile: Path

    @property
    def address(self) -> str:
        return f"{self.user}@127.0.0.1:{self.port}"


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
    )


def _wait_for_banner(port: int, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"sshd exited: {proc.stdout.read().decode() if proc.stdout else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("sshd did not start listening")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory) -> Iterator[SshServer]:
    if not os.path.exists(SSHD):
        pytest.skip("OpenSSH's sshd is not installed (apt-get install openssh-server)")
    if os.geteuid() != 0:
        pytest.skip("the test sshd runs as root, to log in as the current user without PAM")
    tmp = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "user_key", "wrong_key"):
        _keygen(tmp / name)
    (tmp / "authorized_keys").write_text((tmp / "user_key.pub").read_text())
    (port,) = free_ports(1)
    config = tmp / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {tmp / 'host_key'}",
                f"AuthorizedKeysFile {tmp / 'authorized_keys'}",
                f"PidFile {tmp / 'sshd.pid'}",
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    # sshd refuses to start without its privilege-separation directory.
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_banner(port, proc)
        yield SshServer(port, getpass.getuser(), tmp / "user_key", tmp / "wrong_key")
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()


def tunnel(sshd: SshServer, keyfile: Path | None = None) -> SshTunnelConfig:
    return SshTunnelConfig.parse(sshd.address, keyfile=str(keyfile or sshd.keyfile))


def test_frames_flow_through_the_tunnel(background, sshd):
    (port,) = free_ports(1)
    sent = [np.full((24, 32, 3), i, np.uint8) for i in range(20)]

    def serve():
        server = NetGear(
            address="127.0.0.1",
            port=port,
            pattern=1,
            ssh_tunnel_mode=sshd.address,
            ssh_tunnel_keyfile=str(sshd.keyfile),
            jpeg_compression=False,
        )
        for frame in sent:
            server.send(frame)
        server.close()

    client = NetGear(
        address="127.0.0.1", port=port, pattern=1, receive_mode=True, jpeg_compression=False
    )
    background.start("server", serve)
    got = []
    while (frame := client.recv()) is not None:
        got.append(int(frame.mean()))
    client.close()
    assert got == list(range(20))


def test_the_tunnel_comes_back_after_the_ssh_link_drops(sshd):
    (port,) = free_ports(1)
    image = np.zeros((8, 8, 3), np.uint8)
    config = HubConfig(
        ports=(port,), address="127.0.0.1", multiserver=False, policy=Policy.LATEST, jpeg=None
    )
    with Hub(config) as hub:
        sender_config = SenderConfig(
            port=port,
            address="127.0.0.1",
            multiserver=False,
            jpeg=None,
            request_timeout=1.0,
            ssh_tunnel=tunnel(sshd),
        )
        with Sender(sender_config) as sender:
            sender.send(image)
            assert hub.recv(timeout=5) is not None
            link = sender._link.tunnel
            assert link is not None
            link.drop()
            # Frames sent while the link is down are dropped and counted; the
            # sender goes on and the tunnel is rebuilt when ZeroMQ reconnects.
            deadline = time.monotonic() + 15
            acknowledged = sender.stats.acknowledged
            while sender.stats.acknowledged <= acknowledged and time.monotonic() < deadline:
                sender.send(image)
            assert sender.stats.acknowledged > acknowledged


def test_a_wrong_key_is_a_clear_error(sshd):
    with pytest.raises(TransportError, match=r"refused the key in .*wrong_key for user"):
        Sender(
            SenderConfig(
                port=free_ports(1)[0],
                address="127.0.0.1",
                multiserver=False,
                ssh_tunnel=tunnel(sshd, sshd.wrong_keyfile),
            )
        )


def test_an_unreachable_ssh_server_is_a_clear_error_at_construction():
    (closed_port,) = free_ports(1)
    with pytest.raises(TransportError, match=r"SSH server .*127.0.0.1:\d+ is not reachable"):
        NetGear(
            address="127.0.0.1", port=5555, pattern=1, ssh_tunnel_mode=f"127.0.0.1:{closed_port}"
        )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"ssh_tunnel_mode": "pi@host:99999"}, r"\[user@\]host\[:port\]"),
        ({"ssh_tunnel_mode": "host", "ssh_tunnel_keyfile": "/no/such/key"}, "existing private"),
        ({"ssh_tunnel_mode": "host", "multiserver_mode": True}, "cannot be combined"),
        ({"ssh_tunnel_mode": "host", "multiclient_mode": True}, "cannot be combined"),
    ],
)
def test_ssh_options_are_checked(options, match):
    with pytest.raises(ConfigError, match=match):
        NetGear(address="127.0.0.1", port="5555", pattern=1, **options)


def test_the_receiving_end_ignores_a_tunnel_with_a_warning(caplog):
    # As vidgear does: the option is valid, it only has no meaning on this end.
    (port,) = free_ports(1)
    with caplog.at_level(logging.WARNING, logger="framehub"):
        client = NetGear(
            address="127.0.0.1", port=port, pattern=1, receive_mode=True, ssh_tunnel_mode="h"
        )
    client.close()
    assert "'ssh_tunnel_mode' applies to the sending end only" in caplog.text
