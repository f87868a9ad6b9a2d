"""framehub and vidgear 0.3.6 talking to each other, each side in its own process."""

from __future__ import annotations

import pytest

from support import Child, free_ports

pytestmark = pytest.mark.timeout(90)

FRAMES = 60


def run(
    client_lib: str,
    server_lib: str,
    *,
    pattern: int,
    servers: int = 2,
    raw: bool = False,
    message: str = "",
    bidi: bool = False,
    single: bool = False,
    client_extra: tuple[str, ...] = (),
    both_extra: tuple[str, ...] = (),
    fps: float = 60.0,
) -> tuple[dict, list[dict]]:
    ports = [str(p) for p in free_ports(servers)]
    flags = (
        (["--raw"] if raw else [])
        + (["--bidi"] if bidi else [])
        + (["--single"] if single else [])
        + list(both_extra)
    )
    client = Child(
        "netgear_client.py",
        ["--lib", client_lib, "--pattern", str(pattern), "--ports", *ports, *flags, *client_extra],
    )
    children = [client]
    try:
        client.wait_for("READY")
        for port in ports:
            args = [
                "--lib",
                server_lib,
                "--port",
                port,
                "--pattern",
                str(pattern),
                "--frames",
                str(FRAMES),
                "--fps",
                str(fps),
                *flags,
            ]
            if message:
                args += ["--message", message]
            children.append(Child("netgear_server.py", args))
        server_results = [child.result(60) for child in children[1:]]
        return client.result(30), server_results
    finally:
        for child in children:
            child.kill()


PAIRS = [("framehub", "vidgear"), ("vidgear", "framehub")]


@pytest.mark.parametrize(("client_lib", "server_lib"), PAIRS)
@pytest.mark.parametrize("raw", [False, True], ids=["jpeg", "raw"])
def test_multiserver_request_reply_delivers_every_frame(client_lib, server_lib, raw):
    result, _ = run(client_lib, server_lib, pattern=1, raw=raw)
    assert not result["timed_out"]
    servers = result["servers"]
    assert len(servers) == 2
    for entry in servers.values():
        assert entry["count"] == FRAMES
        assert entry["shape"] == [48, 64, 3]
        # JPEG shifts flat levels by at most a step or two.
        assert all(
            abs(got - want) <= 2 for got, want in zip(entry["indices"], range(FRAMES), strict=False)
        )


@pytest.mark.parametrize(("client_lib", "server_lib"), PAIRS)
def test_multiserver_messages_arrive_with_their_frames(client_lib, server_lib):
    result, _ = run(client_lib, server_lib, pattern=1, message="I'm Server-{i} at Port: {port}")
    for address, entry in result["servers"].items():
        assert entry["messages"] == [f"I'm Server-{i} at Port: {address}" for i in range(FRAMES)]
        assert entry["address_type"] == "str"


@pytest.mark.parametrize(("client_lib", "server_lib"), PAIRS)
def test_multiserver_bidirectional_returns_client_data(client_lib, server_lib):
    result, servers = run(
        client_lib,
        server_lib,
        pattern=1,
        bidi=True,
        message="cam {port}",
        client_extra=("--return-data", "Hi, I am a Client here."),
    )
    for entry in result["servers"].values():
        assert entry["count"] == FRAMES
    for server in servers:
        # The client sets its return data on its first recv(): at most the first
        # reply can predate it.
        assert len(server["replies"]) >= FRAMES - 1
        assert set(server["replies"]) == {"Hi, I am a Client here."}


@pytest.mark.parametrize(("client_lib", "server_lib"), PAIRS)
def test_bidirectional_array_return_data(client_lib, server_lib):
    result, servers = run(
        client_lib,
        server_lib,
        pattern=1,
        bidi=True,
        servers=1,
        single=True,
        client_extra=("--return-array",),
    )
    assert next(iter(result["servers"].values()))["count"] == FRAMES
    assert servers[0]["replies"][-1] == [24, 32, 3]


@pytest.mark.parametrize(("client_lib", "server_lib"), PAIRS)
@pytest.mark.parametrize("pattern", [0, 1])
def test_single_server_patterns(client_lib, server_lib, pattern):
    result, _ = run(client_lib, server_lib, pattern=pattern, servers=1, single=True)
    (entry,) = result["servers"].values()
    assert entry["count"] == FRAMES


@pytest.mark.parametrize("raw", [False, True], ids=["jpeg", "raw"])
def test_publish_subscribe_framehub_servers_into_vidgear_client(raw):
    result, _ = run("vidgear", "framehub", pattern=2, raw=raw, fps=60)
    # vidgear's client only knows a server once a frame of it arrived, and ends
    # when every server it knows has said goodbye: so both goodbyes got through.
    assert not result["timed_out"]
    assert len(result["servers"]) == 2
    for entry in result["servers"].values():
        assert entry["count"] >= FRAMES // 2


def test_publish_subscribe_vidgear_servers_into_framehub_client():
    # vidgear publishes before the subscription is in place and may lose its
    # goodbye (PUB with a queue of one): the client ends on its idle timeout then.
    result, _ = run(
        "framehub", "vidgear", pattern=2, fps=60, client_extra=("--subscriber-timeout", "3")
    )
    assert not result["timed_out"]
    assert len(result["servers"]) == 2
    for entry in result["servers"].values():
        assert entry["count"] >= FRAMES // 2
        indices = entry["indices"]
        assert indices == sorted(indices)


@pytest.mark.parametrize(("client_lib", "server_lib"), PAIRS)
@pytest.mark.parametrize("secure", [1, 2], ids=["stonehouse", "ironhouse"])
def test_secure_mode_with_one_key_folder(client_lib, server_lib, secure, tmp_path):
    # vidgear's own Secure Mode only works on 127.0.0.1: its authenticator admits
    # the client's bind address alone. The client starts first and makes the keys.
    secure_flags = ("--secure", str(secure), "--certs", str(tmp_path))
    result, _ = run(client_lib, server_lib, pattern=1, both_extra=secure_flags)
    assert not result["timed_out"]
    assert sorted(e["count"] for e in result["servers"].values()) == [FRAMES, FRAMES]
    assert sorted(p.name for p in (tmp_path / ".vidgear/keys/public_keys").iterdir()) == [
        "client.key",
        "server.key",
    ]
