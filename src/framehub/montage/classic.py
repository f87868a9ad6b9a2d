"""``build_montages``: imutils' montage function, same signature and same pixels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from ..errors import ConfigError
from .tiles import Frame

__all__ = ["build_montages"]


def _as_three_channels(image: Frame) -> Frame:
    # imutils fails on these shapes; channel copies keep the dtype, as its assignment does.
    if image.ndim == 2:
        return np.dstack([image, image, image])
    if image.ndim == 3 and image.shape[2] == 1:
        return np.dstack([image[:, :, 0]] * 3)
    if image.ndim == 3 and image.shape[2] == 4:
        return image[:, :, :3]
    return image


def build_montages(
    image_list: Iterable[Frame],
    image_shape: Sequence[int],
    montage_shape: Sequence[int],
) -> list[Frame]:
    """Tile images into montages, exactly as ``imutils.build_montages`` does.

    Each image is resized to ``image_shape`` (width, height) and placed row by row
    into a black uint8 BGR canvas of ``montage_shape`` (columns, rows) tiles; a new
    canvas starts when one is full. Returns the list of canvases; a partly filled last
    canvas is included, and an empty input gives one black canvas. For 3-channel
    images the pixels equal imutils'. Unlike imutils, grayscale (2-D or one-channel)
    images are repeated into three channels and BGRA images lose their alpha channel
    instead of raising.

    Raises ``ConfigError`` (a ``ValueError``) when a shape does not have two elements
    or an item is not a numpy array.
    """
    if len(image_shape) != 2:
        raise ConfigError(f"image_shape must be (width, height), got {image_shape!r}")
    if len(montage_shape) != 2:
        raise ConfigError(f"montage_shape must be (columns, rows), got {montage_shape!r}")
    width, height = image_shape
    columns, rows = montage_shape

    def blank() -> Frame:
        return np.zeros((height * rows, width * columns, 3), dtype=np.uint8)

    montages: list[Frame] = []
    canvas = blank()
    placed = 0
    for image in image_list:
        if not isinstance(image, np.ndarray):
            raise ConfigError(f"image_list items must be numpy arrays, got {type(image)}")
        tile = _as_three_channels(cv2.resize(image, (width, height)))
        row, column = divmod(placed, columns)
        canvas[row * height : (row + 1) * height, column * width : (column + 1) * width] = tile
        placed += 1
        if placed == columns * rows:
            montages.append(canvas)
            canvas = blank()
            placed = 0
    if placed or not montages:
        montages.append(canvas)
    return montages
