"""NetGear's vidgear contract: constructor rules, return shapes, errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from framehub import ConfigError, NetGear
from support import free_ports

pytestmark = pytest.mark.timeout(60)


def serve(port, messages, pattern=1, **options):
    def run():
        server = NetGear(
            address="127.0.0.1", port=str(port), pattern=pattern, multiserver_mode=True, **options
        )
        replies = []
        for i, message in enumerate(messages):
            replies.append(server.send(np.full((8, 8, 3), i, np.uint8), message=message))
        server.close()
        return replies

    return run


def test_multiserver_shapes_follow_vidgear(background):
    port = free_ports(1)[0]
    client = NetGear(
        address="127.0.0.1", port=(port,), pattern=1, receive_mode=True, multiserver_mode=True
    )
    background.start("s", serve(port, ["text", None, "", {"k": 1}]))
    got = []
    while (data := client.recv()) is not None:
        got.append(data)
    client.close()
    # vidgear adds the message only when it is truthy, and names the server by the
    # port string it claimed.
    assert [len(d) for d in got] == [3, 2, 2, 3]
    assert got[0][:2] == (str(port), "text")
    assert got[3][1] == {"k": 1}
    assert got[1][0] == str(port) and isinstance(got[1][1], np.ndarray)


def test_bidirectional_server_send_returns_the_clients_data(background):
    port = free_ports(1)[0]
    client = NetGear(
        address="127.0.0.1",
        port=(port,),
        pattern=1,
        receive_mode=True,
        multiserver_mode=True,
        bidirectional_mode=True,
    )
    background.start("s", serve(port, ["a", "b", "c"], bidirectional_mode=True))
    seen = []
    while (data := client.recv(return_data="Hi, I am a Client here.")) is not None:
        seen.append(data[1])
    client.close()
    background.join()
    assert seen == ["a", "b", "c"]
    assert background.result("s") == ["Hi, I am a Client here."] * 3


def test_single_connection_shapes(background):
    port = free_ports(1)[0]
    client = NetGear(
        address="127.0.0.1", port=port, pattern=0, receive_mode=True, bidirectional_mode=True
    )

    def run():
        server = NetGear(address="127.0.0.1", port=port, pattern=0, bidirectional_mode=True)
        replies = [server.send(np.zeros((4, 4, 3), np.uint8), message=m) for m in ("x", None)]
        server.close()
        return replies

    background.start("s", run)
    first = client.recv(return_data=[1, 2])
    second = client.recv()
    assert first[0] == "x" and second[0] is None
    assert client.recv() is None
    client.close()
    background.join()
    # As in vidgear, return data goes with the acknowledgements sent after the
    # recv() that set it: the very first one may have left before.
    replies = background.result("s")
    assert replies[-1] == [1, 2] and replies[0] in (None, [1, 2])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"port": 5566, "pattern": 1, "receive_mode": True, "multiserver_mode": True},
            "list or tuple",
        ),
        (
            {"port": (1, 2), "pattern": 0, "receive_mode": True, "multiserver_mode": True},
            "pattern 1 or 2 only",
        ),
        (
            {"port": (1, 2), "pattern": 3, "receive_mode": True, "multiserver_mode": True},
            "pattern must be 0",
        ),
        (
            {"port": "1", "pattern": 1, "multiserver_mode": True, "multiclient_mode": True},
            "cannot be enabled together",
        ),
        ({"port": "1", "pattern": 2, "bidirectional_mode": True}, "pattern 0 or 1 only"),
        ({"port": None, "pattern": 1, "multiserver_mode": True}, "unique port"),
        ({"port": "1", "protocol": "udp"}, "'tcp' or 'ipc'"),
        ({"port": "1", "jpeg_compresion": True}, "unknown option 'jpeg_compresion'"),
    ],
)
def test_invalid_combinations_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NetGear(address="127.0.0.1", **kwargs)


def test_wrong_direction_calls_raise():
    port = free_ports(1)[0]
    client = NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True)
    with pytest.raises(ValueError, match=r"needs receive_mode=False"):
        client.send(np.zeros((2, 2, 3), np.uint8))
    client.close()
    server = NetGear(address="127.0.0.1", port=port, pattern=1)
    with pytest.raises(ValueError, match=r"needs receive_mode=True"):
        server.recv()
    server.close()


def test_ndarray_message_is_refused_not_silently_dropped():
    port = free_ports(1)[0]
    server = NetGear(address="127.0.0.1", port=port, pattern=2)
    with pytest.raises(ConfigError, match=r"not a numpy.ndarray"):
        server.send(np.zeros((2, 2, 3), np.uint8), message=np.zeros(2))
    server.close()


def test_context_manager_and_threads_do_not_leak():
    before = threading.active_count()
    port = free_ports(1)[0]
    for _ in range(5):
        with NetGear(address="127.0.0.1", port=port, pattern=1, receive_mode=True):
            pass
    assert threading.active_count() <= before + 1
