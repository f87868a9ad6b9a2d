"""H.264 and a vidgear 0.3.6 client: never sent to it when it can answer, and a clear
failure when the user insists (pattern 2, where no client answers)."""

from __future__ import annotations

import pytest

from framehub import ConfigError, Sender, SenderConfig
from support import Child, camera_scene, free_ports

pytestmark = pytest.mark.timeout(60)


def vidgear_client(port: int, pattern: int, seconds: float) -> Child:
    args = ["--lib", "vidgear", "--pattern", str(pattern), "--ports", str(port)]
    client = Child("netgear_client.py", [*args, "--max-seconds", str(seconds)])
    client.wait_for("READY")
    return client


def test_a_pattern_1_sender_learns_the_hub_is_vidgear_and_never_sends_it_h264() -> None:
    (port,) = free_ports(1)
    client = vidgear_client(port, pattern=1, seconds=10)
    try:
        config = SenderConfig(port=port, address="127.0.0.1", codec="h264")
        with Sender(config) as sender:
            # The first frame goes as JPEG and asks the hub what it is.
            sender.send(camera_scene(0), message="first")
            with pytest.raises(ConfigError, match="not a framehub hub"):
                sender.send(camera_scene(1))
            with pytest.raises(ConfigError, match="codec='jpeg'"):
                sender.send(camera_scene(2))
        result = client.result(20)
    finally:
        client.kill()
    (entry,) = result["servers"].values()
    assert entry["count"] == 1 and entry["shape"] == [240, 320, 3]
    assert "Traceback" not in client.text()


def test_h264_forced_on_a_vidgear_client_fails_there_naming_the_codec() -> None:
    """In pattern 2 the caller's codec='h264' is its word that the hub is framehub; a
    vidgear client given it stops with numpy's error naming framehub's codec, rather
    than showing garbage."""
    (port,) = free_ports(1)
    client = vidgear_client(port, pattern=2, seconds=4)
    try:
        config = SenderConfig(port=port, address="127.0.0.1", pattern=2, codec="h264")
        with Sender(config) as sender:
            for i in range(5):
                sender.send(camera_scene(i))
        client.wait_for(
            "TypeError: data type 'h264 (a framehub codec: receive with a framehub hub)'"
        )
        result = client.result(20)
    finally:
        client.kill()
    assert result["servers"] == {}, "no frame was shown"
