"""Helpers shared by the tests: free ports, child processes with readiness handshakes."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TESTS = Path(__file__).parent
SCENARIOS = TESTS / "scenarios"


def usage() -> dict[str, int]:
    """This process's open descriptors, Python threads and resident memory (KiB)."""
    with open("/proc/self/statm") as statm:
        rss_pages = int(statm.read().split()[1])
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "threads": threading.active_count(),
        "rss_kb": rss_pages * os.sysconf("SC_PAGE_SIZE") // 1024,
    }


def wait_for(condition: Any, timeout: float = 10.0, what: str = "the condition") -> None:
    """Wait until ``condition()`` is true, failing the test after ``timeout`` seconds.

    For state a test cannot be told about, only look at (a thread blocked, a queue full).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.01)


def free_ports(count: int) -> list[int]:
    """Ports the OS says are free right now on 127.0.0.1 (all distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Child:
    """A Python child process whose stdout is read line by line in the background.

    ``script`` is a file in ``scenarios/``, or, with ``module=True``, a module run with
    ``python -m`` (``Child("framehub", ["demo", ...], module=True)``).
    """

    def __init__(
        self,
        script: str,
        args: Sequence[str],
        env: dict[str, str] | None = None,
        *,
        module: bool = False,
    ):
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        # Children import the test helpers (e.g. sources.videos) like the tests do.
        path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, *(["-m", script] if module else [str(SCENARIOS / script)]), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.output.append(line.rstrip("\n"))
                self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, marker: str, timeout: float = 15.0) -> str:
        """Block until a line starting with ``marker`` appears; fail with the output if not."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {marker!r} within {timeout}s:\n" + self.text())
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"exited before {marker!r}:\n" + self.text())
            if line.startswith(marker):
                return line

    def result(self, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for the exit and return the JSON printed after 'RESULT '."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"did not exit within {timeout}s:\n" + self.text()) from None
        self._reader.join(5)
        for line in reversed(self.output):
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])  # type: ignore[no-any-return]
        raise AssertionError(f"exit {self.proc.returncode} without a RESULT:\n" + self.text())

    def text(self) -> str:
        return "\n".join(self.output[-60:])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        self._reader.join(5)


def frame_index(frame: Any) -> int:
    """Frames in the scenarios are filled with their index; JPEG moves it by a level or two."""
    return round(float(frame.mean()))


class TcpRelay:
    """Forwards TCP connections from 127.0.0.1:``port`` to ``target_port``, keeping every byte.

    What a packet capture on the link would see, without needing capture rights.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.captured = bytearray()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                downstream, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [downstream, upstream]
            for a, b in ((downstream, upstream), (upstream, downstream)):
                t = threading.Thread(target=self._pump, args=(a, b), daemon=True)
                t.start()
                self._threads.append(t)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        src.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                with self._lock:
                    self.captured += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def bytes(self) -> bytes:
        with self._lock:
            return bytes(self.captured)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(2)
        self._listener.close()
        for s in self._sockets:
            s.close()


def send_frames(config: Any, items: Sequence[Any], fps: float = 0.0) -> Any:
    """A callable for a background thread: send ``items`` with ``{"i": index}``; its stats."""

    def run() -> Any:
        from framehub import Sender

        with Sender(config) as sender:
            for i, frame in enumerate(items):
                sender.send(frame, message={"i": i})
                if fps:
                    time.sleep(1 / fps)
        return sender.stats

    return run


def camera_scene(index: int = 0, height: int = 240, width: int = 320) -> Any:
    """Frame ``index`` of a slow pan over smooth shapes with a little sensor noise: it
    compresses like a camera's picture, where a flat test pattern costs H.264 nothing."""
    import numpy as np

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x = x - index
    blue = 128 + 90 * np.sin(x / 23.0) * np.cos(y / 31.0)
    green = 128 + 60 * np.sin((x + 2 * y) / 17.0)
    red = 255 * np.clip(1 - np.hypot(x - width / 2, y - height / 2) / width, 0, 1)
    image = np.stack([blue, green, red], axis=2)
    noise = np.random.default_rng(index).normal(0, 2, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def psnr(a: Any, b: Any) -> float:
    """Peak signal-to-noise ratio of ``a`` against ``b`` (8-bit), in dB."""
    import numpy as np

    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255**2 / max(mse, 1e-9)))
