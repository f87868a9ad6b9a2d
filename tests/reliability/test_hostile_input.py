"""A rogue peer throws every kind of bad input at every port while honest servers stream."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
import zmq

from framehub import Hub, HubConfig, Lifetime
from framehub.wire import DEFAULT_LIMITS, Limits
from support import Child, free_ports

pytestmark = pytest.mark.timeout(90)

LIMITS = Limits(max_payload_bytes=4 * 1024 * 1024, max_header_bytes=64 * 1024)
PHASE = 3.0


def header(**fields: object) -> bytes:
    base = {
        "terminate_flag": False,
        "compression": False,
        "message": "rogue",
        "pattern": "1",
        "dtype": "uint8",
        "shape": [4, 4, 3],
    }
    return json.dumps({**base, **fields}).encode()


def bad_messages(port: str, other: str) -> list[list[bytes]]:
    pixels = bytes(48)
    return [
        [header(port=port)],  # truncated: no frame
        [header(port=port), pixels, b"extra"],  # an extra part
        [header(port=port, shape=[400, 400, 3]), pixels],  # lies about its size
        [header(port=port, shape=[2**40, 2**40, 3]), pixels],  # product overflows
        [header(port=port, shape=[-4, -4, 3]), pixels],  # negative sizes
        [header(port=port, dtype="object"), pixels],  # a dtype not allowed
        [b"{not json", pixels],  # not JSON
        [b"[1, 2, 3]", pixels],  # JSON of the wrong type
        [
            header(
                port=port,
                compression={"colorspace": "BGR", "dct": True, "ups": False},
                dtype="",
                shape="",
            ),
            b"\xff\xd8" + os.urandom(500),
        ],  # a corrupt JPEG
        [header(port=other), pixels],  # a forged port
        [header(port=port), b"x" * (LIMITS.max_payload_bytes + 1)],  # over the size limit
    ]


def raw_tcp_abuse(port: int) -> None:
    for _ in range(100):  # a flood of connections, some speaking garbage
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(os.urandom(64))


def attack(ctx: zmq.Context, pattern: int, ports: list[int]) -> None:
    for port in ports:
        raw_tcp_abuse(port)
    for port in ports:
        other = str(next(p for p in ports if p != port))
        if pattern == 1:
            rogue = ctx.socket(zmq.DEALER)
            rogue.connect(f"tcp://127.0.0.1:{port}")
            for parts in bad_messages(str(port), other):
                rogue.send_multipart([b"tag", b"", *parts])
        else:
            rogue = ctx.socket(zmq.XPUB)
            rogue.connect(f"tcp://127.0.0.1:{port}")
            assert rogue.poll(5000), "the hub never subscribed"
            rogue.recv()
            for parts in bad_messages(str(port), other):
                rogue.send_multipart(parts)
        time.sleep(0.2)
        rogue.close(linger=1000)


@pytest.mark.parametrize("pattern", [1, 2])
def test_bad_input_is_dropped_counted_and_does_not_slow_honest_servers(collect, pattern):
    ports = free_ports(2)
    config = HubConfig(
        ports=tuple(ports),
        address="127.0.0.1",
        pattern=pattern,
        limits=LIMITS,
        lifetime=Lifetime.SERVICE,
    )
    assert LIMITS.max_payload_bytes < DEFAULT_LIMITS.max_payload_bytes
    ctx = zmq.Context()
    with Hub(config) as hub:
        cameras = [
            Child(
                "camera.py",
                ["--port", str(p), "--fps", "30", "--seconds", "20", "--pattern", str(pattern)],
            )
            for p in ports
        ]
        try:
            frames = collect(hub)
            frames.wait(lambda: len(frames.sources()) == 2)
            quiet_start = time.time()
            time.sleep(PHASE)
            attacked_start = time.time()
            attack(ctx, pattern, ports)
            time.sleep(max(0.0, attacked_start + PHASE - time.time()))
            attacked_end = time.time()
            status = {s.source: s for s in hub.status()}
        finally:
            for child in cameras:
                child.kill()
            ctx.destroy(linger=0)
    for source in map(str, ports):
        quiet = sum(
            1 for s, _, at, _ in frames.frames if s == source and quiet_start <= at < attacked_start
        )
        attacked = sum(
            1
            for s, _, at, _ in frames.frames
            if s == source and attacked_start <= at < attacked_end
        )
        print(
            json.dumps(
                {
                    "pattern": pattern,
                    "port": source,
                    "quiet_fps": quiet / PHASE,
                    "attacked_fps": attacked / (attacked_end - attacked_start),
                    "rejected": status[source].rejected,
                    "aborted": status[source].aborted,
                }
            )
        )
        assert attacked / (attacked_end - attacked_start) >= 0.9 * quiet / PHASE
        # Ten bad messages (the oversized one costs its sender the connection
        # instead), and 100 connections of random bytes that never became ZeroMQ.
        assert status[source].rejected >= 10
        assert status[source].aborted + status[source].rejected >= 100
    for source, message, *_ in frames.frames:
        assert message == {"i": message["i"], "port": source}, "a bad frame got through"
