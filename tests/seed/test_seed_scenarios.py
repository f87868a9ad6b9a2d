"""The seed's scenarios end to end: one client and two servers, each its own process.

The servers read a video file where the seed reads a webcam; every frame carries
its index, so order and completeness are checked after JPEG compression.
"""

from __future__ import annotations

import pytest
from sources.videos import indexed_video

from support import Child, free_ports

pytestmark = pytest.mark.timeout(120)

FRAMES = 60


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return str(indexed_video(tmp_path_factory.mktemp("seed"), FRAMES))


def run_seed(client_args: list[str], servers: list[list[str]]) -> tuple[dict, list[dict]]:
    ports = [str(p) for p in free_ports(len(servers))]
    client = Child("seed_client.py", ["--ports", *ports, *client_args])
    children = [client]
    try:
        client.wait_for("READY")
        for port, server_args in zip(ports, servers, strict=True):
            children.append(Child("seed_server.py", ["--port", port, *server_args]))
        server_results = [child.result(60) for child in children[1:]]
        return client.result(30), server_results
    finally:
        for child in children:
            child.kill()


@pytest.mark.parametrize("montage", ["imutils", "framehub"])
def test_1a_frames_only_request_reply(video, montage):
    server = ["--kind", "camgear", "--video", video, "--pattern", "1"]
    result, _ = run_seed(["--pattern", "1", "--montage", montage], [server, server])
    assert len(result["servers"]) == 2
    for entry in result["servers"].values():
        assert entry["indices"] == list(range(FRAMES))
    # Two 160x120 tiles side by side.
    assert [120, 320, 3] in result["montages"]


def test_1a_frames_only_publish_subscribe(video):
    server = ["--kind", "videocapture", "--video", video, "--pattern", "2"]
    result, _ = run_seed(["--pattern", "2"], [server, server])
    # These servers read the file as fast as it decodes: PUB/SUB then drops the
    # oldest frames a slower client has not taken yet (the "latest" policy), but
    # never reorders them; both goodbyes arrive, or the client would not return.
    assert len(result["servers"]) == 2
    for entry in result["servers"].values():
        indices = entry["indices"]
        assert indices and indices == sorted(indices) and indices[-1] == FRAMES - 1


def test_1b_frames_and_data_with_a_raspberry_pi(video):
    laptop = ["--kind", "videogear", "--video", video, "--pattern", "1", "--message"]
    pi = ["--kind", "pigear", "--pattern", "1", "--message", "--frames", str(FRAMES)]
    result, _ = run_seed(["--pattern", "1"], [laptop, pi])
    servers = list(result["servers"].items())
    assert len(servers) == 2
    for address, entry in servers:
        assert entry["messages"] == [f"I'm Server-1 at Port: {address}"]
    assert servers[0][1]["indices"] == list(range(FRAMES)) or (
        servers[1][1]["indices"] == list(range(FRAMES))
    )
    assert all(len(entry["indices"]) == FRAMES for _, entry in servers)


def test_1c_bidirectional(video):
    server = ["--kind", "videogear", "--video", video, "--pattern", "1", "--message", "--bidi"]
    result, servers = run_seed(["--pattern", "1", "--bidi"], [server, server])
    for entry in result["servers"].values():
        assert entry["indices"] == list(range(FRAMES))
    for server_result in servers:
        received = server_result["received"]
        assert len(received) >= FRAMES - 1
        assert set(received) == {"Hi, I am a Client here."}
