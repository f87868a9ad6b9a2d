"""What the cameras film: real photographs, panned and zoomed, with sensor noise.

A test pattern's flat colours flatter every codec; a camera sees texture and noise.
The scene is a mosaic of the photographs scikit-image ships inside its wheel (no
network needed), and each camera films its own part of it: a slow pan and zoom that
returns to its start after ``CYCLE`` frames (so a looping camera shows no cut), plus
Gaussian noise (``NOISE`` grey levels by default), fresh in every frame. Camera ``c`` starts
``c`` eighths of the way round its cycle and from its own corner of the mosaic.

Frames are rendered once per (size, camera) into ``.npy`` files that every camera
process and the hub map read-only: cameras spend no CPU making frames, and the hub
compares each delivered frame with the very one sent (it knows the camera and the
frame's index from the frame's message).
"""

from __future__ import annotations

import importlib
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framehub.errors import MissingPackageError

__all__ = ["CYCLE", "NOISE", "FrameFiles", "psnr", "render"]

#: Frames before a camera's motion repeats: 3 s at 30 fps.
CYCLE = 90
#: Standard deviation of the sensor noise, in 8-bit grey levels: a small camera's
#: sensor indoors after its own denoising. Noise is what an encoder cannot predict,
#: so it sets the floor of every codec's bytes per frame.
NOISE = 2.5
#: Raised whenever the rendering changes, so that stale cached files are not used.
VERSION = 2
_ROW_HEIGHT = 400
#: The motion: a slow pan round an ellipse of 7% of the frame's width and height
#: (about 3 pixels a frame at 640x480: a camera on patrol or on a slow robot, not a
#: handheld one) while the zoom swings between 1 and 1 + _ZOOM.
_PAN = 0.07
_ZOOM = 0.05


def _photos() -> list[np.ndarray[Any, Any]]:
    try:
        data: Any = importlib.import_module("skimage.data")  # untyped
    except ImportError as exc:
        raise MissingPackageError(
            "the link benchmark's scene needs scikit-image: pip install -e '.[bench]'"
        ) from exc
    return [data.astronaut(), data.coffee(), data.rocket(), data.chelsea()]


def _mosaic() -> np.ndarray[Any, Any]:
    """Two rows of photographs at about their own resolution, BGR: 800 x 1600ish."""
    import cv2

    def row(images: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
        scaled = [
            cv2.resize(im, (round(im.shape[1] * _ROW_HEIGHT / im.shape[0]), _ROW_HEIGHT))
            for im in images
        ]
        return np.hstack(scaled)

    astronaut, coffee, rocket, chelsea = _photos()
    top = row([astronaut, coffee, rocket])
    bottom = row([chelsea, rocket[:, ::-1], astronaut[:, ::-1]])
    width = min(top.shape[1], bottom.shape[1])
    rgb = np.vstack([top[:, :width], bottom[:, :width]])
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _view(camera: int, step: int, size: tuple[int, int], canvas: tuple[int, int]) -> Any:
    """The affine map from the mosaic to camera ``camera``'s frame ``step``."""
    width, height = size
    canvas_h, canvas_w = canvas
    phase = 2 * math.pi * (step / CYCLE + camera / 8)
    zoom = max(width / canvas_w, height / canvas_h, 1.0) * (
        1 + _ZOOM * (0.5 - 0.5 * math.cos(phase))
    )
    span_x, span_y = canvas_w - width / zoom, canvas_h - height / zoom
    # Each camera pans round a small ellipse of its own (in mosaic pixels), centred
    # on its own part of the mosaic.
    radius_x = min(_PAN * width / zoom, 0.3 * span_x)
    radius_y = min(_PAN * height / zoom, 0.3 * span_y)
    centre_x = span_x * (0.5 + 0.2 * math.cos(2 * math.pi * camera / 8))
    centre_y = span_y * (0.5 + 0.2 * math.sin(2 * math.pi * camera / 8))
    x = min(span_x, max(0.0, centre_x + radius_x * math.sin(phase)))
    y = min(span_y, max(0.0, centre_y + radius_y * math.cos(phase)))
    return np.array([[zoom, 0.0, -x * zoom], [0.0, zoom, -y * zoom]], dtype=np.float64)


def render(
    size: tuple[int, int], camera: int, count: int = CYCLE, noise: float = NOISE
) -> np.ndarray[Any, Any]:
    """``count`` BGR frames (count, height, width, 3) of camera ``camera``; the same
    arguments always give the same bytes."""
    import cv2

    width, height = size
    canvas = _mosaic()
    rng = np.random.default_rng([VERSION, camera, width, height])
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    for step in range(count):
        clean = cv2.warpAffine(
            canvas, _view(camera, step, size, canvas.shape[:2]), (width, height),
            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT,
        )  # fmt: skip
        grain = rng.standard_normal(clean.shape, dtype=np.float32) * noise
        frames[step] = np.clip(clean + grain, 0, 255).astype(np.uint8)
    return frames


def psnr(sent: np.ndarray[Any, Any], received: np.ndarray[Any, Any]) -> float:
    """Peak signal-to-noise ratio in dB (inf for identical frames)."""
    import cv2

    mse = cv2.norm(sent, received, cv2.NORM_L2SQR) / sent.size
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


class FrameFiles:
    """The rendered frames, one ``.npy`` per (size, camera), kept between runs in a
    folder of their own (memory-backed where ``/dev/shm`` exists)."""

    def __init__(self, noise: float = NOISE, folder: Path | None = None) -> None:
        shm = Path("/dev/shm")
        base = shm if shm.is_dir() else Path(tempfile.gettempdir())
        self.noise = noise
        self.folder = folder or base / f"framehub-link-scene-v{VERSION}"

    def path(self, size: tuple[int, int], camera: int) -> Path:
        return self.folder / f"{size[0]}x{size[1]}-noise{self.noise:g}-cam{camera}.npy"

    def prepare(self, size: tuple[int, int], cameras: int) -> None:
        """Renders the files that are missing (a few seconds per camera at 720p)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for camera in range(cameras):
            path = self.path(size, camera)
            if path.exists():
                continue
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, render(size, camera, noise=self.noise))
            tmp.replace(path)

    def load(self, size: tuple[int, int], camera: int) -> np.ndarray[Any, Any]:
        """The camera's frames, mapped read-only (no copy)."""
        frames: np.ndarray[Any, Any] = np.load(self.path(size, camera), mmap_mode="r")
        return frames
