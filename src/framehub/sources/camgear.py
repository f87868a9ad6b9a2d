"""CamGear: OpenCV capture (device, file, URL or GStreamer pipeline) on a reader thread."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import cv2

from ..errors import ConfigError, SourceError, UnsupportedOptionError
from .base import ThreadedSource
from .channel import Frame
from .options import (
    check_non_negative,
    reject_unknown,
    resolve_colorspace,
    take_bool,
    take_positive,
)

__all__ = ["CamGear"]

logger = logging.getLogger(__name__)

#: Seconds ``read()`` waits for a frame before treating the source as failed
#: (vidgear's ``THREAD_TIMEOUT``, which there defaults to waiting forever).
DEFAULT_THREAD_TIMEOUT = 10.0

_OWN_OPTIONS = ("THREADED_QUEUE_MODE", "THREAD_TIMEOUT")
_UNSUPPORTED = {
    "STREAM_RESOLUTION": "it belongs to stream_mode, which framehub does not offer",
    "STREAM_PARAMS": "it belongs to stream_mode, which framehub does not offer",
}

Source = int | str | os.PathLike[str]


def _looks_like_path(source: str) -> bool:
    # URLs, GStreamer pipelines and image-sequence patterns are not plain files.
    return "://" not in source and "!" not in source and "%" not in source


class CamGear(ThreadedSource):
    """Frames from ``cv2.VideoCapture``, read on a daemon thread; vidgear's CamGear API.

    ``source`` is a device index, a file path, a URL or a GStreamer pipeline; ``backend``
    a ``cv2.CAP_*`` API id (0 lets OpenCV choose). ``colorspace`` converts every frame,
    e.g. ``"COLOR_BGR2GRAY"``, and ``color_space`` changes that while streaming
    (``stream.color_space = cv2.COLOR_BGR2HSV``; None for none). ``time_delay`` waits
    that many seconds after opening (to let a camera warm up). ``logging=True`` logs the
    lifecycle at INFO instead of DEBUG;
    nothing is shown until the application configures logging, e.g.
    ``logging.basicConfig(level=logging.INFO)``.

    Options: any ``CAP_PROP_*`` name that cv2 defines, applied to the capture (a value
    the backend refuses is logged as a warning); ``THREADED_QUEUE_MODE`` (default True:
    string sources deliver every frame in order through a bounded queue; False, and
    always for device indexes, hands over only the newest frame and never the same one
    twice); ``THREAD_TIMEOUT`` (seconds ``read()`` waits for a frame before the source
    counts as failed, default 10). Other keys raise ``ConfigError``.

    Raises ``SourceError`` naming the source when it cannot be opened or yields no
    frame, and ``ConfigError`` for invalid parameters.
    """

    def __init__(
        self,
        source: Source = 0,
        stream_mode: bool = False,
        backend: int = 0,
        colorspace: str | int | None = None,
        logging: bool = False,
        time_delay: float = 0,
        **options: Any,
    ) -> None:
        if stream_mode:
            raise UnsupportedOptionError(
                "stream_mode=True (yt-dlp streaming sites) is not supported; "
                "pass the stream's direct URL as source"
            )
        source = _check_source(source)
        if isinstance(backend, bool) or not isinstance(backend, int) or backend < 0:
            raise ConfigError(f"backend must be a cv2.CAP_* int (0 for any), got {backend!r}")
        delay = check_non_negative("time_delay", time_delay)
        code = resolve_colorspace(colorspace)
        options = {str(key).strip(): value for key, value in options.items()}
        queue_mode = take_bool(options, "THREADED_QUEUE_MODE", True)
        timeout = take_positive(options, "THREAD_TIMEOUT", DEFAULT_THREAD_TIMEOUT)
        properties = _take_properties(options)
        reject_unknown("CamGear", options, (*_OWN_OPTIONS, "any cv2 CAP_PROP_* name"), _UNSUPPORTED)

        ordered = queue_mode and isinstance(source, str)
        super().__init__(
            name=f"CamGear({source!r})",
            ordered=ordered,
            read_timeout=timeout,
            verbose=logging,
            colorspace=code,
        )
        self.source = source
        self._capture = _open_capture(source, backend)
        try:
            for prop_name, (prop_id, value) in properties.items():
                if not self._capture.set(prop_id, value):
                    logger.warning(
                        "CamGear(%r): the capture backend did not accept %s=%r",
                        source,
                        prop_name,
                        value,
                    )
            fps = self._capture.get(cv2.CAP_PROP_FPS)
            #: Frame rate the source reports, 0.0 when unknown (vidgear's attribute).
            self.framerate = fps if fps > 1.0 else 0.0
            if delay:
                time.sleep(delay)
            self._first_frame(source, colorspace)
        except BaseException:
            self._capture.release()
            raise
        logger.log(
            self._level,
            "CamGear(%r): opened with %s, %.3g fps, %s delivery",
            source,
            self._capture.getBackendName(),
            self.framerate,
            "ordered" if ordered else "latest-frame",
        )

    def _first_frame(self, source: Source, colorspace: str | int | None) -> None:
        # Reading one frame now, as vidgear does, turns "opens but cannot decode" and a
        # colorspace that does not fit the frames into errors at construction.
        grabbed, frame = self._capture.read()
        if not grabbed:
            raise SourceError(f"CamGear: source {source!r} opened but delivered no frame")
        if self.color_space is not None:
            try:
                cv2.cvtColor(frame, self.color_space)
            except cv2.error as exc:
                raise ConfigError(
                    f"colorspace {colorspace!r} cannot convert this source's frames "
                    f"(shape {frame.shape}): {exc}"
                ) from None
        self._channel.put(frame)

    def _grab(self) -> Frame | None:
        grabbed, frame = self._capture.read()
        return frame if grabbed else None

    def _release(self) -> None:
        self._capture.release()


def _check_source(source: object) -> int | str:
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if isinstance(source, bool) or not isinstance(source, int | str):
        raise ConfigError(
            "source must be a device index (int), a file path, a URL or a GStreamer "
            f"pipeline (str), got {source!r}"
        )
    if isinstance(source, int) and source < 0:
        raise ConfigError(f"source device index must be >= 0, got {source!r}")
    return source


def _take_properties(options: dict[str, Any]) -> dict[str, tuple[int, float]]:
    properties = {}
    for key in [k for k in options if k.startswith("CAP_PROP_")]:
        prop_id = getattr(cv2, key, None)
        if not isinstance(prop_id, int):
            raise ConfigError(f"CamGear: {key} is not a CAP_PROP_* name that cv2 defines")
        value = options.pop(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"CamGear: option {key} must be a number, got {value!r}")
        properties[key] = (prop_id, float(value))
    return properties


def _open_capture(source: int | str, backend: int) -> cv2.VideoCapture:
    if isinstance(source, str) and _looks_like_path(source) and not os.path.exists(source):
        raise SourceError(f"CamGear: no such file: {source!r}")
    capture = cv2.VideoCapture(source, backend) if backend else cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        how = f" with backend {backend}" if backend else ""
        raise SourceError(f"CamGear could not open source {source!r}{how}")
    return capture
