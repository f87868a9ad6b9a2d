"""What the H.264 codec itself costs per frame, without a network: encoder CPU on the
camera, decoder CPU at the hub, bytes per frame and the picture's PSNR.

    python benchmarks/h264_codec.py [--size 640x480] [--frames 300] [--bitrate 1M 2M]
                                    [--encoder auto] [--noise 2]

Frames are the benchmarks' test pattern with Gaussian sensor noise of ``--noise``
levels added (a noiseless pattern costs H.264 next to nothing); sent at a nominal
30 fps, so bytes per frame x 240 is the bitrate in bits/s. CPU is the process's
(``time.process_time``: x264's own threads too), encode and decode measured apart,
JPEG q90 beside them for scale. The link benchmark measures the same codecs over a shaped link.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import simplejpeg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.frames import make_frames
from framehub.checks import check_bitrate
from framehub.codecs.h264 import H264Decoder, H264Encoder


def noisy(frames: list[np.ndarray[Any, Any]], sigma: float) -> list[np.ndarray[Any, Any]]:
    rng = np.random.default_rng(0)
    return [
        np.clip(f + rng.normal(0, sigma, f.shape), 0, 255).astype(np.uint8) if sigma else f
        for f in frames
    ]


def psnr(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255**2 / max(mse, 1e-9)))


def measure_h264(frames: list[np.ndarray[Any, Any]], bitrate: int, encoder: str) -> dict[str, Any]:
    enc = H264Encoder(bitrate=bitrate, gop=30, encoder=encoder)
    dec = H264Decoder()
    encode_s = decode_s = 0.0
    sizes, quality, keys = [], [], []
    for frame in frames:
        start = time.process_time()
        encoded = enc.encode(frame)
        middle = time.process_time()
        payload = bytes(encoded.payload)
        image = dec.decode(payload) if payload else None
        encode_s += middle - start
        decode_s += time.process_time() - middle
        sizes.append(len(payload))
        if encoded.codec is not None and encoded.codec.key:
            keys.append(len(payload))
        if image is not None:
            quality.append(psnr(image, frame))
    n = len(frames)
    return {
        "codec": f"h264 {bitrate / 1e6:g}M ({enc.name})",
        "encode_ms": 1000 * encode_s / n,
        "decode_ms": 1000 * decode_s / n,
        "bytes": statistics.mean(sizes),
        "key_bytes": statistics.mean(keys) if keys else 0.0,
        "psnr": statistics.mean(quality),
    }


def measure_jpeg(frames: list[np.ndarray[Any, Any]], quality: int) -> dict[str, Any]:
    encode_s = decode_s = 0.0
    sizes, scores = [], []
    for frame in frames:
        start = time.process_time()
        payload = simplejpeg.encode_jpeg(frame, quality, "BGR", "422", True)
        middle = time.process_time()
        image = simplejpeg.decode_jpeg(payload, "BGR")
        encode_s += middle - start
        decode_s += time.process_time() - middle
        sizes.append(len(payload))
        scores.append(psnr(image, frame))
    n = len(frames)
    return {
        "codec": f"jpeg q{quality}",
        "encode_ms": 1000 * encode_s / n,
        "decode_ms": 1000 * decode_s / n,
        "bytes": statistics.mean(sizes),
        "key_bytes": 0.0,
        "psnr": statistics.mean(scores),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", default="640x480")
    p.add_argument("--frames", type=int, default=300)
    p.add_argument("--bitrate", nargs="+", default=["1M", "2M"])
    p.add_argument("--encoder", default="auto")
    p.add_argument("--noise", type=float, default=2.0, help="sensor noise, in levels (sigma)")
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    frames = noisy(make_frames(width, height, args.frames), args.noise)
    rows = [measure_jpeg(frames, 90)]
    rows += [
        measure_h264(frames, check_bitrate("--bitrate", rate), args.encoder)
        for rate in args.bitrate
    ]
    print(f"{len(frames)} frames of {args.size}, noise sigma {args.noise:g}, CPU per frame")
    print(f"{'codec':28} {'encode ms':>9} {'decode ms':>9} {'bytes':>8} {'Mbit/s@30':>9} "
          f"{'keyframe':>8} {'PSNR dB':>7}")  # fmt: skip
    for r in rows:
        print(
            f"{r['codec']:28} {r['encode_ms']:9.2f} {r['decode_ms']:9.2f} {r['bytes']:8.0f} "
            f"{r['bytes'] * 240 / 1e6:9.2f} {r['key_bytes']:8.0f} {r['psnr']:7.1f}"
        )


if __name__ == "__main__":
    main()
