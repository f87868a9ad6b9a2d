"""Helpers for the viewer's tests: framehub commands with their viewer, HTTP reads,
and real frames from an in-process hub."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from framehub import Frame, Hub, HubConfig, JpegConfig, Sender, SenderConfig
from support import Child

BOUNDARY = b"--framehub-frame\r\n"


def framehub(*args: str) -> Child:
    """``python -m framehub ARGS`` with its output read in the background."""
    return Child("framehub", list(args), module=True)


def run_framehub(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m framehub ARGS`` to the end, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "framehub", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def viewer_url(child: Child, timeout: float = 30.0) -> str:
    """The readiness handshake: the address the command prints once its viewer listens."""
    return child.wait_for("viewer at ", timeout).split("viewer at ", 1)[1].strip()


def get(
    url: str, *, headers: dict[str, str] | None = None, timeout: float = 5.0
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def status(base: str) -> dict[str, Any]:
    code, _, body = get(base + "api/status")
    assert code == 200, body
    return json.loads(body)  # type: ignore[no-any-return]


def wait_for_status(
    base: str, ready: Callable[[dict[str, Any]], bool], timeout: float = 20.0
) -> dict[str, Any]:
    """Poll ``/api/status`` until ``ready(document)``; fail with the last one if not."""
    deadline = time.monotonic() + timeout
    doc: dict[str, Any] = {}
    while time.monotonic() < deadline:
        doc = status(base)
        if ready(doc):
            return doc
        time.sleep(0.1)
    raise AssertionError(f"status not reached within {timeout}s: {json.dumps(doc)[:2000]}")


def states(doc: dict[str, Any]) -> dict[str, str]:
    return {row["id"]: row["state"] for row in doc["servers"]}


def all_streaming(count: int) -> Callable[[dict[str, Any]], bool]:
    def ready(doc: dict[str, Any]) -> bool:
        found = states(doc)
        return len(found) == count and set(found.values()) == {"streaming"}

    return ready


def _frame_clock(base: str) -> dict[str, tuple[int, float]]:
    """Per server: frames so far, and when the last one arrived (in viewer uptime)."""
    doc = status(base)
    return {
        row["id"]: (row["frames"], doc["uptime_s"] - row["seconds_since_frame"])
        for row in doc["servers"]
        if "frames" in row
    }


def receive_rate(base: str, seconds: float) -> float:
    """The hub's frames/s over about ``seconds``, summed over servers.

    Exact despite the status being a snapshot: each server's frame count and the
    arrival time of its last frame come from the same snapshot.
    """
    before = _frame_clock(base)
    time.sleep(seconds)
    after = _frame_clock(base)
    rate = 0.0
    for source, (frames, at) in after.items():
        if source in before and at > before[source][1]:
            rate += (frames - before[source][0]) / (at - before[source][1])
    return rate


def stop(child: Child, timeout: float = 15.0) -> int:
    """SIGTERM, as a service manager would; the exit code (killing it if it hangs)."""
    if child.proc.poll() is None:
        child.proc.send_signal(signal.SIGTERM)
    try:
        return child.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError(f"did not stop within {timeout}s:\n" + child.text()) from None


class StreamReader(threading.Thread):
    """Reads an MJPEG stream over a plain socket and counts its parts.

    ``pause`` seconds between 16 KiB reads make a deliberately slow viewer.
    """

    def __init__(self, url: str, pause: float = 0.0) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.path = parts.path
        self.pause = pause
        self.parts = 0
        self.bytes = 0
        self.first = threading.Event()
        self._halt = threading.Event()
        self._socket: socket.socket | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with socket.create_connection(self.address, timeout=5) as sock:
                self._socket = sock
                host = f"{self.address[0]}:{self.address[1]}"
                sock.sendall(f"GET {self.path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                tail = b""
                while not self._halt.is_set():
                    chunk = sock.recv(16384)
                    if not chunk:
                        return
                    self.bytes += len(chunk)
                    window = tail + chunk
                    self.parts += window.count(BOUNDARY)
                    tail = window[-(len(BOUNDARY) - 1) :]
                    if self.parts:
                        self.first.set()
                    if self.pause:
                        self._halt.wait(self.pause)
        except OSError as exc:
            if not self._halt.is_set():
                self.error = exc

    def stop(self) -> None:
        self._halt.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self.join(10)


class Feed:
    """A hub with one sender: ``next()`` sends a frame and returns it as the hub got it."""

    def __init__(self, port: int, *, raw: bool) -> None:
        self.port = str(port)
        self.hub = Hub(HubConfig(ports=(port,), address="127.0.0.1", decode=False))
        jpeg = None if raw else JpegConfig(quality=80)
        self.sender = Sender(SenderConfig(port=port, address="127.0.0.1", jpeg=jpeg))
        self.count = 0

    def next(self) -> Frame:
        self.count += 1
        image = np.zeros((120, 160, 3), dtype=np.uint8)
        image[:, : 10 * self.count] = (40, 160, 240)
        self.sender.send(image, message=f"frame {self.count}")
        frame = self.hub.recv(timeout=5)
        assert frame is not None
        return frame

    def close(self) -> None:
        self.sender.close()
        self.hub.close()
