"""Multi-Clients Mode: one server, several client processes, framehub and vidgear 0.3.6."""

from __future__ import annotations

from collections import Counter

import pytest

from support import Child, free_ports

pytestmark = pytest.mark.timeout(90)

FRAMES = 30


def run(
    client_lib: str,
    server_lib: str,
    *,
    pattern: int,
    clients: int = 3,
    server_extra: tuple[str, ...] = (),
    client_extra: tuple[str, ...] = (),
) -> tuple[list[dict], dict]:
    ports = [str(p) for p in free_ports(clients)]
    children = [
        Child(
            "netgear_client.py",
            [
                *("--lib", client_lib, "--pattern", str(pattern), "--ports", port),
                *("--multiclient", "--raw", "--max-seconds", "20", *client_extra),
            ],
        )
        for port in ports
    ]
    try:
        for child in children:
            child.wait_for("READY")
        server = Child(
            "netgear_server.py",
            [
                *("--lib", server_lib, "--pattern", str(pattern), "--port", *ports),
                *("--frames", str(FRAMES), "--fps", "100", "--raw", *server_extra),
            ],
        )
        children.append(server)
        server_result = server.result(60)
        return [child.result(30) for child in children[:-1]], server_result
    finally:
        for child in children:
            child.kill()


def counts(results: list[dict]) -> list[int]:
    return [sum(e["count"] for e in r["servers"].values()) for r in results]


@pytest.mark.parametrize("server_lib", ["framehub", "vidgear"])
def test_pattern_2_every_client_gets_every_frame_and_the_end(server_lib):
    results, _ = run("framehub", server_lib, pattern=2, client_extra=("--subscriber-timeout", "5"))
    if server_lib == "vidgear":
        # vidgear publishes before subscriptions settle and never sends its
        # pattern-2 clients a goodbye: they end on their idle timeout.
        assert all(c > 0 for c in counts(results))
        return
    assert not any(r["timed_out"] for r in results)
    assert counts(results) == [FRAMES] * 3


def test_pattern_2_framehub_server_ends_vidgear_clients():
    results, _ = run("vidgear", "framehub", pattern=2)
    assert not any(r["timed_out"] for r in results)
    assert all(c > 0 for c in counts(results))


@pytest.mark.parametrize(
    ("client_lib", "server_lib"), [("framehub", "framehub"), ("vidgear", "framehub")]
)
def test_pattern_1_round_robin_as_vidgear_documents(client_lib, server_lib):
    results, server = run(client_lib, server_lib, pattern=1, client_extra=("--bidi",))
    assert not any(r["timed_out"] for r in results)
    assert counts(results) == [FRAMES // 3] * 3
    ports = [port for port, _ in server["replies"]]
    assert len(ports) == FRAMES and Counter(ports) == Counter(ports[:3] * (FRAMES // 3))
    assert len(set(ports[:3])) == 3


def test_pattern_1_vidgear_server_into_framehub_clients():
    results, server = run("framehub", "vidgear", pattern=1, clients=2)
    assert sum(counts(results)) == FRAMES
    assert {port for port, _ in server["replies"]} == {next(iter(r["servers"])) for r in results}


def test_pattern_1_broadcast_reaches_every_client_with_replies():
    results, server = run(
        "framehub",
        "framehub",
        pattern=1,
        server_extra=("--broadcast", "--bidi"),
        client_extra=("--bidi", "--return-data", "ok"),
    )
    assert not any(r["timed_out"] for r in results)
    assert counts(results) == [FRAMES] * 3
    assert all(len(reply) == 3 for reply in server["replies"])
    assert all(data == "ok" for reply in server["replies"][1:] for _, data in reply)
