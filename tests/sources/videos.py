"""Test videos written with OpenCV, whose frames carry their own index.

The index is written as 8 vertical stripes, one per bit, dark for 0 and light for 1:
blocks that large survive MJPG, MPEG-4 and any other lossy codec, so the order and
completeness of the frames read back can be checked exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

BITS = 8
DARK, LIGHT = 40, 215

# Containers and codecs that this opencv-python-headless build writes and reads back
# (probed: avc1/H264 need a hardware encoder here, theo/VP80 are refused).
CODECS = [("MJPG", "avi"), ("mp4v", "mp4"), ("FFV1", "mkv")]


def encode_index(index: int, size: tuple[int, int] = (160, 120)) -> np.ndarray:
    width, height = size
    frame = np.empty((height, width, 3), dtype=np.uint8)
    stripe = width // BITS
    for bit in range(BITS):
        level = LIGHT if index >> bit & 1 else DARK
        frame[:, bit * stripe : (bit + 1) * stripe] = level
    frame[:, BITS * stripe :] = DARK
    return frame


def decode_index(frame: np.ndarray) -> int:
    gray = frame if frame.ndim == 2 else frame.mean(axis=2)
    stripe = gray.shape[1] // BITS
    margin = stripe // 4
    index = 0
    for bit in range(BITS):
        block = gray[:, bit * stripe + margin : (bit + 1) * stripe - margin]
        if block.mean() > (DARK + LIGHT) / 2:
            index |= 1 << bit
    return index


def read_all(stream) -> list[np.ndarray]:
    """Every frame ``stream.read()`` gives until it returns None."""
    frames = []
    for _ in range(10_000):
        frame = stream.read()
        if frame is None:
            return frames
        frames.append(frame)
    raise AssertionError("the stream never ended")


def write_video(
    path: Path,
    frames: Iterable[np.ndarray],
    fourcc: str = "MJPG",
    fps: float = 25.0,
) -> Path:
    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"this OpenCV build cannot write {fourcc} to {path.suffix}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def indexed_video(
    directory: Path,
    count: int,
    fourcc: str = "MJPG",
    ext: str = "avi",
    size: tuple[int, int] = (160, 120),
) -> Path:
    path = directory / f"indexed-{fourcc}-{count}.{ext}"
    return write_video(path, (encode_index(i, size) for i in range(count)), fourcc)
