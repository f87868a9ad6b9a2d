"""The live web viewer: every server's newest frame in a browser, for any number of viewers.

A ``FrameStore`` takes frames from the hub's consumer without ever making it wait;
a ``WebViewer`` serves the page, MJPEG streams, snapshots and ``/api/status`` from
it on a thread of its own (aiohttp).
"""

from .app import create_app
from .server import WebViewer, is_loopback
from .store import FrameStore, Latest

__all__ = ["FrameStore", "Latest", "WebViewer", "create_app", "is_loopback"]
