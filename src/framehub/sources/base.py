"""The start/read/stop lifecycle that every source shares, and its threaded form."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import Self

import cv2

from ..errors import SourceError
from .channel import Frame, FrameChannel
from .options import lifecycle_level, resolve_colorspace

__all__ = ["FrameSource", "ThreadedSource"]

logger = logging.getLogger(__name__)

# stop() waits this long for the reader thread. A reader blocked on the channel wakes at
# once; one inside a device read returns within a frame period, so only a hung device
# (a pulled cable) reaches the bound, and then the thread is left to finish on its own.
JOIN_TIMEOUT = 2.0

# Frames a file or URL reader may decode ahead of the caller. vidgear buffers 96;
# 32 keeps a 1080p file under 200 MB while still hiding decoder hiccups.
QUEUE_SIZE = 32


class FrameSource(ABC):
    """A video source with vidgear's lifecycle.

    ``start()`` returns the source itself, ``read()`` returns the next frame or None
    when there is none (end of stream, after ``stop()``, or when the device failed),
    and ``stop()`` releases everything. ``stop()`` and its alias ``close()`` are
    idempotent; a source is a context manager that starts on entry and stops on exit.
    """

    @abstractmethod
    def start(self) -> Self:
        """Begin producing frames and return ``self``; calling it again does nothing."""

    @abstractmethod
    def read(self) -> Frame | None:
        """Return the next frame, or None when the source has no more."""

    @abstractmethod
    def stop(self) -> None:
        """Release the source; idempotent and bounded in time."""

    def close(self) -> None:
        """Alias of ``stop()``."""
        self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ThreadedSource(FrameSource):
    """A source whose frames come from a daemon reader thread started by ``start()``.

    Subclasses open their device in ``__init__`` (after calling this one) and implement
    ``_grab()``, which runs on the reader thread and returns the next raw frame or None
    at the end, and ``_release()``, which frees the device and is called exactly once:
    by the reader thread when it ends, or by ``stop()`` if it never started.

    ``ordered=True`` delivers every frame in order through a bounded queue that makes
    the reader wait; ``ordered=False`` hands over only the newest frame, never the same
    one twice. ``read()`` waits at most ``read_timeout`` seconds for a frame; past that
    the source counts as failed and ``read()`` returns None from then on. An exception
    on the reader thread is raised as ``SourceError`` by the next ``read()`` once the
    frames read before it have been delivered. ``color_space`` converts every frame
    that ``read()`` returns and may be changed while streaming.
    """

    def __init__(
        self,
        *,
        name: str,
        ordered: bool,
        read_timeout: float,
        verbose: bool = False,
        colorspace: int | None = None,
    ) -> None:
        self._name = name
        self._level = lifecycle_level(verbose)
        self._colorspace = colorspace
        self._read_timeout = read_timeout
        self._channel = FrameChannel(ordered=ordered, capacity=QUEUE_SIZE)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._stopped = False
        self._released = False
        self._done = False
        self._error: Exception | None = None

    @abstractmethod
    def _grab(self) -> Frame | None:
        """Read one raw frame from the device (reader thread); None at the end."""

    @abstractmethod
    def _release(self) -> None:
        """Free the device."""

    @property
    def color_space(self) -> int | None:
        """The cv2 ``COLOR_*`` code applied to every frame ``read()`` returns; None: none.

        Settable while streaming, as in vidgear (``stream.color_space =
        cv2.COLOR_BGR2GRAY``): the next frame read comes out converted. A name such as
        ``"COLOR_BGR2GRAY"`` is accepted too; anything else raises ``ConfigError``. A
        code that cannot convert this source's frames is dropped with a warning, as
        vidgear does, and frames come out as captured.
        """
        return self._colorspace

    @color_space.setter
    def color_space(self, value: int | str | None) -> None:
        self._colorspace = resolve_colorspace(value)

    def _convert(self, frame: Frame) -> Frame:
        code = self._colorspace
        if code is None:
            return frame
        try:
            return cv2.cvtColor(frame, code)
        except cv2.error as exc:
            self._colorspace = None
            logger.warning(
                "%s: color_space %r cannot convert frames of shape %s, dropped: %s",
                self._name,
                code,
                frame.shape,
                exc,
            )
            return frame

    def start(self) -> Self:
        with self._lock:
            if self._stopped:
                raise SourceError(f"{self._name} was stopped; create a new one to read again")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"framehub-{self._name}", daemon=True
                )
                self._thread.start()
                logger.log(self._level, "%s: started", self._name)
        return self

    def read(self) -> Frame | None:
        if self._thread is None:
            if self._stopped:
                return None
            raise SourceError(f"{self._name}: call start() before read()")
        if self._done:
            return None
        try:
            frame = self._channel.get(self._read_timeout)
        except TimeoutError:
            self._done = True
            logger.warning(
                "%s: no frame for %.1f s; treating the source as failed",
                self._name,
                self._read_timeout,
            )
            return None
        if frame is None:
            self._done = True
            error, self._error = self._error, None
            if error is not None and not self._stopped:
                raise SourceError(f"{self._name} failed while reading: {error}") from error
            return None
        # Converted here rather than on the reader thread, so that a change of
        # color_space applies to the very next frame, not after the queued ones.
        return self._convert(frame)

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            thread = self._thread
        self._stopping.set()
        self._channel.close()
        if thread is None:
            self._release_once()
        else:
            thread.join(JOIN_TIMEOUT)
            if thread.is_alive():
                logger.warning(
                    "%s: the device did not return within %.1f s; it will be released "
                    "when its pending read returns",
                    self._name,
                    JOIN_TIMEOUT,
                )
        logger.log(self._level, "%s: stopped", self._name)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                frame = self._grab()
                if frame is None:
                    if not self._stopping.is_set():
                        logger.log(self._level, "%s: end of stream", self._name)
                    break
                if not self._channel.put(frame):
                    break
        except Exception as exc:
            self._error = exc
            logger.debug("%s: reader thread failed", self._name, exc_info=True)
        finally:
            self._channel.finish()
            self._release_once()

    def _release_once(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        try:
            self._release()
        except Exception:
            # stop() must not raise: a device that fails to close is already gone.
            logger.warning("%s: releasing the device failed", self._name, exc_info=True)
