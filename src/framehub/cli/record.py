"""``view --record``: one video file per server, a new one every ``rotate`` seconds."""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..api import Frame, ServerState, ServerStatus
from ..montage.tiles import to_bgr8
from .common import CommandError

__all__ = ["FORMATS", "Recorder"]

log = logging.getLogger(__name__)

#: Container -> the codec written into it. Both are written by opencv-python-headless's
#: own FFmpeg; H.264 ("avc1") is not (it needs an encoder that build lacks).
FORMATS = {"avi": "MJPG", "mp4": "mp4v"}
#: A new file's frame rate is measured over its server's first frames: this long...
_PROBE_SECONDS = 1.0
#: ...or this many frames, whichever comes first.
_PROBE_FRAMES = 30
_DEFAULT_FPS = 30.0


def file_name(source: str, started: float, extension: str, name: str | None = None) -> str:
    """``<server>_<YYYYmmdd-HHMMSS>.<ext>``, the server id made safe for any file system;
    a server that gave its name is ``<name>-<port>`` (an imagezmq sender, whose name is
    its id, ``<name>``)."""
    server = source if not name or name == source else f"{name}-{source}"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", server) or "server"
    return f"{safe}_{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.{extension}"


def _unused(path: Path) -> Path:
    """``path``, or ``<stem>-2``, ``-3``... when a file of that name exists."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_stem(f"{path.stem}-{n}")
    return candidate


def _stamp(frame: Frame) -> float:
    return frame.sent_at if frame.sent_at is not None else frame.received_at


def _rate(stamps: deque[float] | list[float]) -> float:
    """Frames per second over ``stamps``, within what a video player accepts."""
    if len(stamps) < 2 or stamps[-1] <= stamps[0]:
        return _DEFAULT_FPS
    return round(min(120.0, max(1.0, (len(stamps) - 1) / (stamps[-1] - stamps[0]))), 2)


@dataclass
class _Track:
    """One server's file under way (worker thread only)."""

    stamps: deque[float] = field(default_factory=lambda: deque(maxlen=_PROBE_FRAMES))
    probe: list[Frame] = field(default_factory=list)
    writer: Any = None
    path: Path | None = None
    size: tuple[int, int] = (0, 0)
    opened: float = 0.0
    frames: int = 0


class Recorder:
    """A ``Sink`` writing each server's frames to ``directory`` with ``cv2.VideoWriter``.

    Frames are decoded and encoded on a thread of its own: ``frame()`` only queues them,
    and drops (and counts) what does not fit in ``backlog`` rather than slowing the hub.
    A server's file is closed when it ends or is gone, and a new one is begun every
    ``rotate`` seconds (by the frames' arrival times), when its frame size changes, or
    when it comes back. A file is named after its first frame's arrival; its frame
    rate is the server's rate measured over its first frames.
    """

    interval = 0.5

    def __init__(
        self,
        directory: Path,
        *,
        rotate: float = 3600.0,
        container: str = "avi",
        backlog: int = 256,
        close_timeout: float = 5.0,
    ) -> None:
        if container not in FORMATS:
            raise CommandError(f"record format must be one of {sorted(FORMATS)}, got {container!r}")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"cannot record into {directory}: {exc}") from exc
        self.directory = directory
        self.rotate = rotate
        self.container = container
        self.close_timeout = close_timeout
        self.dropped = 0
        self.files: list[Path] = []
        self._fourcc = cv2.VideoWriter.fourcc(*FORMATS[container])
        #: Frames to write, a server's id to finish its file, None to stop.
        self._queue: queue.Queue[Frame | str | None] = queue.Queue(backlog)
        self._tracks: dict[str, _Track] = {}
        self._finished: set[str] = set()
        self._ends_pending: list[str] = []
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._work, name="framehub-record", daemon=True)
        self._thread.start()

    # -- the runner's thread ----------------------------------------------------------

    def frame(self, frame: Frame) -> None:
        self._finished.discard(frame.source)
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1:
                log.warning("recording cannot keep up: frames are being dropped")

    def status(self, statuses: tuple[ServerStatus, ...]) -> None:
        for s in statuses:
            if s.state in (ServerState.ENDED, ServerState.GONE) and s.source not in self._finished:
                self._finished.add(s.source)
                self._ends_pending.append(s.source)
        while self._ends_pending:
            try:
                self._queue.put_nowait(self._ends_pending[0])
            except queue.Full:
                return  # again at the next status
            self._ends_pending.pop(0)

    def close(self) -> None:
        """Write what is queued (for at most ``close_timeout``) and finish every file."""
        deadline = time.monotonic() + self.close_timeout
        try:
            self._queue.put(None, timeout=self.close_timeout)
        except queue.Full:
            self._abandon.set()
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            log.warning("recording did not finish within %.1f s", self.close_timeout)
            self._abandon.set()
            self._thread.join(self.close_timeout)
        if self.dropped:
            log.warning("recording dropped %d frame(s) it could not keep up with", self.dropped)

    # -- the worker thread ------------------------------------------------------------

    def _work(self) -> None:
        try:
            while not self._abandon.is_set():
                item = self._queue.get()
                if item is None:
                    break
                if isinstance(item, str):
                    self._finish(item)
                else:
                    self._write(item)
        finally:
            for source in list(self._tracks):
                self._finish(source)

    def _write(self, frame: Frame) -> None:
        track = self._tracks.setdefault(frame.source, _Track())
        track.stamps.append(_stamp(frame))
        if track.writer is None:
            track.probe.append(frame)
            span = _stamp(frame) - _stamp(track.probe[0])
            if span < _PROBE_SECONDS and len(track.probe) < _PROBE_FRAMES:
                return
            self._flush_probe(frame.source, track)
            return
        self._append(frame.source, track, frame)

    def _flush_probe(self, source: str, track: _Track) -> None:
        probe, track.probe = track.probe, []
        fps = _rate([_stamp(f) for f in probe])
        for frame in probe:
            self._append(source, track, frame, fps)

    def _append(self, source: str, track: _Track, frame: Frame, fps: float | None = None) -> None:
        try:
            image = to_bgr8(frame.image)
        except Exception as exc:  # a corrupt JPEG from the network: skip it, keep recording
            log.debug("cannot record a frame from %s: %s", source, exc)
            return
        if image is None:
            return
        size = (image.shape[1], image.shape[0])
        at = frame.received_at
        if track.writer is not None and (size != track.size or at - track.opened >= self.rotate):
            self._close_file(source, track)
        if track.writer is None and not self._open(
            frame, track, size, fps or _rate(track.stamps), at
        ):
            return
        track.writer.write(np.ascontiguousarray(image))
        track.frames += 1

    def _open(
        self, frame: Frame, track: _Track, size: tuple[int, int], fps: float, at: float
    ) -> bool:
        source = frame.label
        path = _unused(self.directory / file_name(frame.source, at, self.container, frame.name))
        writer = cv2.VideoWriter(str(path), self._fourcc, fps, size)
        if not writer.isOpened():
            log.error("cannot write %s (%s, %dx%d)", path, self.container, *size)
            return False
        track.writer, track.path, track.size = writer, path, size
        track.opened, track.frames = at, 0
        self.files.append(path)
        log.info("recording %s to %s at %.2f fps", source, path, fps)
        return True

    def _finish(self, source: str) -> None:
        track = self._tracks.get(source)
        if track is None:
            return
        if track.probe:
            self._flush_probe(source, track)
        self._close_file(source, track)
        del self._tracks[source]

    def _close_file(self, source: str, track: _Track) -> None:
        if track.writer is None:
            return
        track.writer.release()
        log.info("recorded %d frame(s) of %s in %s", track.frames, source, track.path)
        track.writer = None
