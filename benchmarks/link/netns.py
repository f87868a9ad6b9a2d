"""Two network namespaces joined by a veth pair, the camera->hub direction shaped.

The cameras live in one namespace and the hub in the other; only the camera side's
egress is shaped (``tc qdisc ... tbf``), so frames cross a link of ``rate`` bits/s
while acknowledgements come back unshaped, as on an uplink-bound Wi-Fi camera. This
kernel has tbf and htb but no netem: delay and loss are not emulated.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["HUB_ADDRESS", "Link", "LinkUnavailable", "Shaping", "link", "unavailable"]

CAMERA_NS = "fhlink-cam"
HUB_NS = "fhlink-hub"
CAMERA_DEV = "fhlink-c"
HUB_DEV = "fhlink-h"
#: A /30 of its own in the private range: the hub's address and the cameras'.
HUB_ADDRESS = "10.77.0.1"
CAMERA_ADDRESS = "10.77.0.2"
_PREFIX = 30
_TIMEOUT = 10.0


class LinkUnavailable(RuntimeError):
    """Namespaces cannot be made here (not root, or no ``ip``/``tc``)."""


@dataclass(frozen=True, slots=True)
class Shaping:
    """A token bucket on the camera side: ``rate`` bits/s, ``burst`` bytes that may leave
    at line rate, and a queue that holds at most ``latency`` seconds of traffic
    (beyond which packets are dropped and TCP backs off)."""

    rate: int
    latency: float = 0.05

    @property
    def burst(self) -> int:
        # 5 ms at the rate, at least ten full-size packets: a smaller bucket than ten
        # MTUs makes tbf throttle below the rate; a larger one lets bursts through.
        return max(15_000, self.rate // 8 // 200)

    def describe(self) -> str:
        return (
            f"tbf rate {self.rate / 1e6:g} Mbit/s, burst {self.burst / 1000:g} kB,"
            f" queue {self.latency * 1000:g} ms"
        )


def unavailable() -> str | None:
    """Why the link cannot be built here, or None if it can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [tool for tool in ("ip", "tc") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (iproute2)"
    return None


def _run(args: Sequence[str], *, check: bool = True) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    if check and done.returncode != 0:
        raise LinkUnavailable(f"{' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def teardown() -> None:
    """Removes both namespaces (and with them the veth pair); absent ones are fine,
    so a crashed earlier run's leftovers are cleared the same way."""
    for ns in (CAMERA_NS, HUB_NS):
        _run(["ip", "netns", "delete", ns], check=False)


@dataclass(slots=True)
class Link:
    """The built link: run commands in either namespace, read the camera side's counters."""

    shaping: Shaping

    @staticmethod
    def camera_command(argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", CAMERA_NS, *argv]

    @staticmethod
    def hub_command(argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", HUB_NS, *argv]

    def shape(self, shaping: Shaping) -> None:
        """Replaces the camera side's qdisc with ``shaping``."""
        _run(
            [
                "tc", "-n", CAMERA_NS, "qdisc", "replace", "dev", CAMERA_DEV, "root", "tbf",
                "rate", f"{shaping.rate}bit", "burst", str(shaping.burst),
                "latency", f"{shaping.latency * 1000:g}ms",
            ]
        )  # fmt: skip
        self.shaping = shaping

    def sent_bytes(self) -> int:
        """Bytes the camera side has put on the link (IP packets with their headers)."""
        out = _run(["ip", "-n", CAMERA_NS, "-s", "-j", "link", "show", CAMERA_DEV])
        stats = json.loads(out)[0]["stats64"]
        return int(stats["tx"]["bytes"])

    def dropped_packets(self) -> int:
        """Packets the shaper dropped because its queue was full."""
        out = _run(["tc", "-n", CAMERA_NS, "-s", "-j", "qdisc", "show", "dev", CAMERA_DEV])
        return sum(int(q.get("drops", 0)) for q in json.loads(out))


@contextlib.contextmanager
def link(shaping: Shaping) -> Iterator[Link]:
    """The two namespaces for the duration of the block, torn down however it ends."""
    why = unavailable()
    if why:
        raise LinkUnavailable(why)
    teardown()
    try:
        for ns in (CAMERA_NS, HUB_NS):
            _run(["ip", "netns", "add", ns])
            _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        _run(
            ["ip", "link", "add", CAMERA_DEV, "netns", CAMERA_NS,
             "type", "veth", "peer", "name", HUB_DEV, "netns", HUB_NS]
        )  # fmt: skip
        for ns, dev, address in (
            (CAMERA_NS, CAMERA_DEV, CAMERA_ADDRESS),
            (HUB_NS, HUB_DEV, HUB_ADDRESS),
        ):
            _run(["ip", "-n", ns, "addr", "add", f"{address}/{_PREFIX}", "dev", dev])
            _run(["ip", "-n", ns, "link", "set", dev, "up"])
        built = Link(shaping)
        built.shape(shaping)
        yield built
    finally:
        teardown()
