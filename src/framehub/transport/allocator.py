"""Keep ZeroMQ's large receive buffers in the process instead of round-tripping the kernel.

libzmq allocates every received message with malloc. glibc serves a block of a
frame's size (0.9 MB for 640x480 BGR) by mmap, or trims it back to the kernel soon
after it is freed, so each frame costs page faults and the zeroing of fresh pages:
measured 15% of a hub's CPU and a third of its raw throughput (1.8k vs 2.5k
frames/s, two raw 640x480 servers on loopback). Raising glibc's mmap and trim
thresholds lets freed frames be reused instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

__all__ = ["retain_frame_memory"]

log = logging.getLogger(__name__)

# mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap: a 4K BGR frame (24.9 MB) fits; it is
#: also glibc's own ceiling for its dynamic threshold on 64-bit.
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory the heap may keep before giving it back: a few frames' worth.
TRIM_THRESHOLD = 64 * 1024 * 1024

_lock = threading.Lock()
_done = False


def retain_frame_memory() -> bool:
    """Tune glibc's allocator once per process; False where there is no glibc."""
    global _done
    with _lock:
        if _done:
            return True
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name) if name else None
            mallopt = libc.mallopt if libc is not None else None
        except (OSError, AttributeError):
            mallopt = None
        if mallopt is None:
            log.debug("no glibc mallopt here; allocator left as it is")
            return False
        ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(
            _M_TRIM_THRESHOLD, TRIM_THRESHOLD
        )
        _done = bool(ok)
        log.debug("glibc allocator thresholds %s", "raised" if ok else "not changed")
        return _done
