"""``view --window``: the live montage in an OpenCV window, for builds that have a GUI."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from importlib import metadata

import cv2

from ..api import Frame, ServerStatus
from ..montage import LiveMontage
from ..web.montage import grid_columns, montage_tiles
from .common import CommandError

__all__ = ["DESKTOP_OPENCV", "Window", "gui_problem", "opencv_builds"]

_QUIT_KEYS = {ord("q"), 27}


#: What a Linux desktop user runs for OpenCV windows (the README says the same).
DESKTOP_OPENCV = "pip uninstall -y opencv-python-headless && pip install opencv-python"
#: The distributions that install a ``cv2`` package.
_OPENCV_DISTRIBUTIONS = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
)


def opencv_builds() -> list[str]:
    """The OpenCV distributions installed here: more than one fight over ``cv2``."""
    found = []
    for name in _OPENCV_DISTRIBUTIONS:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found.append(name)
    return found


def gui_problem() -> str | None:
    """Why this process cannot open an OpenCV window, or None when it can."""
    gui = next(
        (
            line.split(":", 1)[1].strip()
            for line in cv2.getBuildInformation().splitlines()
            if line.strip().startswith("GUI:")
        ),
        "",
    )
    builds = opencv_builds()
    if len(builds) > 1:
        return (
            f"more than one OpenCV build is installed ({', '.join(builds)}) and they "
            f"overwrite each other's cv2; keep one: {DESKTOP_OPENCV}"
        )
    if gui.upper() == "NONE":
        return (
            "this OpenCV build has no GUI (opencv-python-headless, framehub's default on "
            f"Linux); for --window switch to the desktop build ({DESKTOP_OPENCV}), or use "
            "the web viewer"
        )
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "--window needs a display (DISPLAY is not set); use the web viewer instead"
    return None


class Window:
    """A ``Sink`` that shows every server's newest frame, labelled, in one window.

    Pressing q or Esc, or closing the window, sets ``stop``.
    """

    interval = 1 / 20

    def __init__(
        self,
        stop: threading.Event,
        expected: Sequence[str] = (),
        *,
        title: str = "framehub",
        tile_size: tuple[int, int] = (480, 360),
    ) -> None:
        problem = gui_problem()
        if problem is not None:
            raise CommandError(problem)
        self.stop = stop
        self.title = title
        self._expected = tuple(expected)
        self._montage = LiveMontage(tile_size, grid_columns(self._expected))
        self._latest: dict[str, Frame] = {}
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)

    def frame(self, frame: Frame) -> None:
        self._latest[frame.source] = frame

    def status(self, statuses: tuple[ServerStatus, ...]) -> None:
        tiles = montage_tiles(self._expected, statuses, self._latest, self._montage.tile_size)
        cv2.imshow(self.title, self._montage.render(tiles))
        key = cv2.waitKey(1) & 0xFF
        if key in _QUIT_KEYS or cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            self.stop.set()

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
