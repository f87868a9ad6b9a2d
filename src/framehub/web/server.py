"""Running the web viewer on a thread of its own, beside a hub's consumer."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import threading
from collections.abc import Sequence

from aiohttp import web

from ..checks import Closing
from ..errors import TransportError
from .app import create_app
from .store import FrameStore

__all__ = ["WebViewer", "is_loopback"]

log = logging.getLogger(__name__)

#: Seconds open streams get to finish when the viewer closes, before they are cancelled.
_SHUTDOWN_GRACE = 1.0


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address to bind) is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class WebViewer(Closing):
    """Serves the viewer of ``store`` on ``host``:``port`` (0: any free port).

    The constructor returns once the socket listens (``url`` then says where), or
    raises ``OSError`` when it cannot bind. Requests are served on a thread with its
    own event loop, so the hub's consumer only ever touches the ``FrameStore``.
    ``close()`` ends every stream and returns within ``close_timeout`` seconds.
    """

    def __init__(
        self,
        store: FrameStore,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        servers: Sequence[str] = (),
        token: str | None = None,
        start_timeout: float = 10.0,
        close_timeout: float = 3.0,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.close_timeout = close_timeout
        self._app = create_app(store, servers=servers, token=token, loopback=is_loopback(host))
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="framehub-web", daemon=True)
        self._thread.start()
        if not self._ready.wait(start_timeout):
            self.close()
            raise TransportError(f"the web viewer did not start within {start_timeout} s")
        if self._error is not None:
            self._thread.join(close_timeout)
            raise self._error

    @property
    def url(self) -> str:
        """The page's address (with the token, when there is one)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"

    def _serve(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=_SHUTDOWN_GRACE)
        try:
            await runner.setup()
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            await runner.cleanup()
            return
        self.port = _bound_port(runner, self.port)
        log.info("web viewer listening on %s:%d", self.host, self.port)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()
            log.debug("web viewer closed")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(self.close_timeout)
        if self._thread.is_alive():
            log.warning("the web viewer did not stop within %.1f s", self.close_timeout)


def _bound_port(runner: web.AppRunner, asked: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return asked
