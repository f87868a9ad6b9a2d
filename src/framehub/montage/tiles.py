"""Drawing one tile of a live montage: the frame fitted in, a label, or a placeholder."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

__all__ = [
    "Frame",
    "draw_placeholder",
    "draw_text_bar",
    "fit_into",
    "text_bar_height",
    "to_bgr8",
]

Frame = np.ndarray[Any, Any]

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE = (255, 255, 255)
_PLACEHOLDER = (48, 48, 48)


def to_bgr8(frame: Frame) -> Frame | None:
    """The frame as 3-channel uint8, or None when it is not an image.

    Grayscale and BGRA frames are converted; other dtypes are stretched min-max to
    0-255, which keeps 16-bit and float images visible.
    """
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if (
        frame.size == 0
        or frame.ndim not in (2, 3)
        or (frame.ndim == 3 and frame.shape[2] not in (3, 4))
    ):
        return None
    if frame.dtype != np.uint8:
        values = frame.astype(np.float32)
        low, high = float(values.min()), float(values.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        frame = ((values - low) * scale).astype(np.uint8)
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame


def fit_into(cell: Frame, image: Frame) -> None:
    """Draw ``image`` (BGR uint8) centred in ``cell``, scaled to fit with its aspect kept."""
    cell_h, cell_w = cell.shape[:2]
    height, width = image.shape[:2]
    scale = min(cell_w / width, cell_h / height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    shrink = scale < 1.0
    resized = cv2.resize(
        image, (new_w, new_h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )
    top, left = (cell_h - new_h) // 2, (cell_w - new_w) // 2
    cell[top : top + new_h, left : left + new_w] = resized


def _font_scale(cell: Frame) -> float:
    # Hershey simplex at scale 1 is 22 px tall: about 1/16 of a 240-px tile at 0.45.
    return max(0.35, float(cell.shape[0]) / 540.0)


def _fit_text(text: str, width: int, scale: float) -> str:
    if cv2.getTextSize(text, _FONT, scale, 1)[0][0] <= width:
        return text
    while text and cv2.getTextSize(text + "...", _FONT, scale, 1)[0][0] > width:
        text = text[:-1]
    return text + "..."


def _bar_metrics(cell: Frame) -> tuple[float, int, int, int]:
    """Font scale, text height, padding and height of a text bar in ``cell``."""
    scale = _font_scale(cell)
    (_, text_h), baseline = cv2.getTextSize("Ag", _FONT, scale, 1)
    pad = max(2, text_h // 3)
    return scale, text_h, pad, min(cell.shape[0], text_h + baseline + 2 * pad)


def text_bar_height(cell: Frame) -> int:
    """How tall ``draw_text_bar`` draws its strip in ``cell``."""
    return _bar_metrics(cell)[3]


def draw_text_bar(cell: Frame, left: str, right: str = "", *, bottom: bool = False) -> None:
    """Darken a strip at the top (or bottom) of ``cell`` and write ``left``/``right`` on it."""
    scale, text_h, pad, bar_h = _bar_metrics(cell)
    top = cell.shape[0] - bar_h if bottom else 0
    strip = cell[top : top + bar_h]
    strip //= 3
    y = top + pad + text_h
    width = cell.shape[1] - 2 * pad
    if right:
        right_w = cv2.getTextSize(right, _FONT, scale, 1)[0][0]
        cv2.putText(
            cell, right, (cell.shape[1] - pad - right_w, y), _FONT, scale, _WHITE, 1, cv2.LINE_AA
        )
        width -= right_w + 2 * pad
    if width > 0:
        cv2.putText(
            cell, _fit_text(left, width, scale), (pad, y), _FONT, scale, _WHITE, 1, cv2.LINE_AA
        )


def draw_placeholder(cell: Frame, text: str) -> None:
    """Fill ``cell`` with the empty-tile colour, a cross and ``text`` in the middle."""
    cell[:] = _PLACEHOLDER
    height, width = cell.shape[:2]
    cv2.line(cell, (0, 0), (width - 1, height - 1), (70, 70, 70), 1, cv2.LINE_AA)
    cv2.line(cell, (0, height - 1), (width - 1, 0), (70, 70, 70), 1, cv2.LINE_AA)
    scale = _font_scale(cell)
    text = _fit_text(text, width - 8, scale)
    (text_w, text_h), _ = cv2.getTextSize(text, _FONT, scale, 1)
    origin = ((width - text_w) // 2, (height + text_h) // 2)
    cv2.putText(cell, text, origin, _FONT, scale, (200, 200, 200), 1, cv2.LINE_AA)
