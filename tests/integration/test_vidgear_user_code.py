"""What code written for vidgear relies on: the exceptions it catches, a client that
gives up, and options that do not apply being warned about instead of refused."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from framehub import (
    CamGear,
    MissingPackageError,
    NetGear,
    PeerTimeout,
    SourceError,
    TransportError,
)
from support import free_ports

pytestmark = pytest.mark.timeout(60)


def frame(value: int = 0) -> np.ndarray:
    return np.full((16, 16, 3), value, np.uint8)


def test_the_exception_classes_are_also_vidgears():
    assert issubclass(TransportError, RuntimeError)
    assert issubclass(PeerTimeout, RuntimeError) and issubclass(PeerTimeout, TimeoutError)
    assert issubclass(SourceError, RuntimeError)
    assert issubclass(MissingPackageError, SourceError)
    assert issubclass(MissingPackageError, ImportError)


def test_a_port_in_use_is_a_runtime_error_as_in_vidgear():
    (port,) = free_ports(1)
    with (
        NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True),
        pytest.raises(RuntimeError, match="already in use"),
    ):
        NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True)


def test_a_source_that_cannot_be_opened_is_a_runtime_error(tmp_path):
    with pytest.raises(RuntimeError, match="no such file"):
        CamGear(source=str(tmp_path / "missing.mp4"))


def test_a_server_giving_up_is_a_runtime_error():
    (port,) = free_ports(1)
    server = NetGear(address="127.0.0.1", port=port, pattern=1, max_retries=1, request_timeout=0.2)
    try:
        with pytest.raises(RuntimeError, match="max_retries"):
            for _ in range(20):
                server.send(frame())
    finally:
        server.close()


@pytest.mark.parametrize("pattern", [0, 1])
def test_a_client_whose_servers_never_come_gives_up(caplog, pattern):
    (port,) = free_ports(1)
    client = NetGear(
        address="127.0.0.1",
        port=port,
        pattern=pattern,
        receive_mode=True,
        max_retries=3,
        request_timeout=0.2,
    )
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="framehub"):
        assert client.recv() is None
    waited = time.monotonic() - start
    assert 0.55 < waited < 2.0
    assert "giving up" in caplog.text
    assert client.recv() is None  # and stays given up, at once
    assert time.monotonic() - start - waited < 0.5
    client.close()


def test_a_multiserver_client_gives_up_too_and_frames_reset_its_count(background):
    ports = free_ports(2)
    client = NetGear(
        address="127.0.0.1",
        port=tuple(ports),
        pattern=1,
        receive_mode=True,
        multiserver_mode=True,
        max_retries=2,
        request_timeout=0.4,
    )

    def serve() -> None:
        server = NetGear(address="127.0.0.1", port=str(ports[0]), pattern=1, multiserver_mode=True)
        # Gaps shorter than max_retries x request_timeout but longer than one period:
        # the count of empty periods starts again with every frame.
        for i in range(3):
            server.send(frame(50 * i))
            time.sleep(0.5)
        server.close()

    background.start("server", serve)
    got = []
    while (data := client.recv()) is not None:
        got.append(round(data[1].mean() / 50))
    client.close()
    background.join()
    assert got == [0, 1, 2]


def test_without_max_retries_a_client_keeps_waiting():
    (port,) = free_ports(1)
    with (
        NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True) as client,
        pytest.raises(PeerTimeout),
    ):
        client.hub.recv(timeout=1.0)


def test_return_data_without_bidirectional_mode_is_ignored_with_one_warning(caplog, background):
    (port,) = free_ports(1)
    client = NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True)

    def serve() -> list[object]:
        server = NetGear(address="127.0.0.1", port=port, pattern=1)
        replies = [server.send(frame(50 * i)) for i in range(3)]
        server.close()
        return replies

    background.start("server", serve)
    with caplog.at_level(logging.WARNING, logger="framehub"):
        got = []
        while (image := client.recv(return_data="hello")) is not None:
            got.append(round(image.mean() / 50))
    client.close()
    assert got == [0, 1, 2]
    assert background.result("server") == [None, None, None]
    assert caplog.text.count("return_data") == 1


@pytest.mark.parametrize(
    ("receive_mode", "options", "says"),
    [
        (True, {"ssh_tunnel_mode": "pi@example.org"}, "'ssh_tunnel_mode' applies to the sending"),
        (True, {"window": 2, "track": True, "copy": True}, "'window' applies to the sending"),
        (True, {"request_timeout": 2}, None),
        (False, {"queue_size": 2, "policy": "latest", "gone_after": 2}, "'queue_size' applies"),
        (False, {"subscriber_timeout": 2}, "'subscriber_timeout' applies to the receiving"),
    ],
)
def test_an_option_for_the_other_end_is_warned_about_and_streaming_works(
    caplog, background, receive_mode, options, says
):
    (port,) = free_ports(1)
    client_options = options if receive_mode else {}
    server_options = {} if receive_mode else options
    with caplog.at_level(logging.WARNING, logger="framehub"):
        client = NetGear(
            address="127.0.0.1", port=port, pattern=1, receive_mode=True, **client_options
        )
        server = NetGear(address="127.0.0.1", port=port, pattern=1, **server_options)
    if says is None:
        assert caplog.text == ""
    else:
        assert says in caplog.text and "ignored" in caplog.text
    background.start("server", lambda: (server.send(frame(100)), server.close()))
    assert round(client.recv().mean() / 50) == 2
    assert client.recv() is None
    client.close()


def test_max_retries_zero_is_accepted_as_in_vidgear():
    (port,) = free_ports(1)
    with NetGear(address="127.0.0.1", port=port, pattern=1, max_retries=0) as server:
        assert server.sender.config.max_retries is None
    with (
        NetGear(
            address="127.0.0.1", port=port, pattern=1, receive_mode=True, max_retries=0
        ) as client,
        pytest.raises(PeerTimeout),
    ):
        client.hub.recv(timeout=0.2)
