"""The web viewer as an aiohttp application.

Endpoints:

- ``/``: the viewer page (``static/``), a live tile per server over one WebSocket.
- ``/ws``: that WebSocket. It pushes the status document (text) and frames (binary:
  one length byte, the server id, then the JPEG); the page acknowledges each frame
  with ``{"ack": id}`` once shown, and only then gets that server's next, newest
  frame, so a slow browser skips frames rather than queueing them.
- ``/stream/<server>.mjpg`` and ``/montage.mjpg``: MJPEG streams, newest frame first.
- ``/snapshot/<server>.jpg``: the newest frame; ``/api/status``: the status document.

Frames that arrived as JPEG are sent as received; raw ones are encoded once,
whatever the number of viewers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import WSMsgType, web

from ..api import ServerStatus
from ..montage import MontageLayout
from ..wire import Payload
from .broadcast import Broadcaster
from .montage import MONTAGE, MontageFeed, grid_columns, ordered_servers
from .store import FrameStore

__all__ = ["STATIC", "create_app"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
_TOKEN_COOKIE = "framehub_token"
_BOUNDARY = "framehub-frame"
#: Longest wait between checks that the client or the server is still there.
_WAIT = 1.0
#: Seconds a closing WebSocket waits for the browser's answer.
_WS_CLOSE_TIMEOUT = 1.0
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

Part = tuple[int, Payload]


@dataclass
class _Viewer:
    """What every handler shares; lives on the app, touched on the loop's thread only."""

    store: FrameStore
    expected: tuple[str, ...]
    token: str | None
    loopback: bool
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="framehub-web")
    )
    layout: MontageLayout = field(init=False)
    started: float = field(default_factory=time.monotonic)
    sockets: weakref.WeakSet[web.WebSocketResponse] = field(default_factory=weakref.WeakSet)
    broadcaster: Broadcaster | None = None
    montage: MontageFeed | None = None
    status_cache: tuple[int, str] = (-1, "")

    def __post_init__(self) -> None:
        self.layout = MontageLayout(grid_columns(self.expected))

    @property
    def relay(self) -> Broadcaster:
        assert self.broadcaster is not None, "used before the app started"
        return self.broadcaster

    @property
    def feed(self) -> MontageFeed:
        assert self.montage is not None, "used before the app started"
        return self.montage


_VIEWER = web.AppKey("framehub_viewer", _Viewer)


def create_app(
    store: FrameStore,
    *,
    servers: Sequence[str] = (),
    token: str | None = None,
    loopback: bool = True,
) -> web.Application:
    """The viewer of ``store``; ``servers`` are the ids expected (shown before they join).

    With ``token`` every request must carry it (``?token=``, a bearer header, or the
    cookie the page sets). ``loopback`` (when bound to a loopback address) also refuses
    requests whose Host header is not a loopback name, which defeats DNS rebinding.
    """
    viewer = _Viewer(store, tuple(servers), token, loopback)
    app = web.Application(middlewares=[_guard])
    app[_VIEWER] = viewer
    app.on_startup.append(_start)
    app.on_shutdown.append(_shutdown)
    app.on_cleanup.append(_cleanup)
    app.router.add_get("/", _index)
    app.router.add_get("/api/status", _status)
    app.router.add_get("/ws", _websocket)
    app.router.add_get("/montage.mjpg", _montage_stream)
    app.router.add_get("/stream/{server}.mjpg", _server_stream)
    app.router.add_get("/snapshot/{server}.jpg", _snapshot)
    app.router.add_static("/static/", STATIC)
    return app


# -- lifecycle ----------------------------------------------------------------------------


async def _start(app: web.Application) -> None:
    viewer = app[_VIEWER]
    viewer.broadcaster = Broadcaster(viewer.store, asyncio.get_running_loop(), viewer.executor)
    viewer.montage = MontageFeed(viewer.broadcaster, viewer.executor, viewer.expected)


async def _shutdown(app: web.Application) -> None:
    viewer = app[_VIEWER]
    viewer.relay.close()
    sockets = list(viewer.sockets)
    await asyncio.gather(
        *(ws.close(code=1001, message=b"server closing") for ws in sockets),
        return_exceptions=True,
    )


async def _cleanup(app: web.Application) -> None:
    app[_VIEWER].executor.shutdown(wait=False, cancel_futures=True)


# -- access -------------------------------------------------------------------------------


def _host_allowed(request: web.Request) -> bool:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not sockname:
        return False
    port = sockname[1]
    return request.host in {f"{name}:{port}" for name in _LOOPBACK_NAMES} | set(_LOOPBACK_NAMES)


def _supplied_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :]
    return request.query.get("token") or request.cookies.get(_TOKEN_COOKIE)


@web.middleware
async def _guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    viewer = request.app[_VIEWER]
    if viewer.loopback and not _host_allowed(request):
        raise web.HTTPMisdirectedRequest(text="this viewer answers to loopback names only\n")
    if viewer.token is not None:
        supplied = _supplied_token(request)
        if supplied is None or not hmac.compare_digest(supplied.encode(), viewer.token.encode()):
            raise web.HTTPUnauthorized(text="this viewer needs its token: add ?token=...\n")
    response = await handler(request)
    if viewer.token is not None and "token" in request.query and not response.prepared:
        # Later requests from the page (images, the WebSocket) carry the cookie instead.
        response.set_cookie(_TOKEN_COOKIE, viewer.token, httponly=True, samesite="Strict")
    return response


# -- the status document ------------------------------------------------------------------


def _server_row(
    source: str,
    status: ServerStatus | None,
    tile: tuple[int, int],
    encoding: str | None,
    now: float,
) -> dict[str, Any]:
    path = quote(source, safe="")
    row: dict[str, Any] = {
        "id": source,
        "name": None if status is None else status.name,
        "label": source if status is None else status.label,
        "state": "waiting" if status is None else status.state.value,
        "tile": list(tile),
        "encoding": encoding,
        "stream": f"/stream/{path}.mjpg",
        "snapshot": f"/snapshot/{path}.jpg",
    }
    if status is not None:
        row |= {
            "fps": round(status.fps, 1),
            "latency_ms_p50": _ms(status.latency_p50),
            "frames": status.frames,
            "bytes": status.bytes,
            "dropped": status.dropped,
            "discarded": status.discarded,
            "awaiting_keyframe": status.awaiting_keyframe,
            "rejected": status.rejected,
            "seconds_since_frame": round(max(0.0, now - status.last_seen), 3),
            "last_message": status.last_message,
            "shared": list(status.shared),
            "via": status.via,
        }
    return row


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 1)


def status_document(viewer: _Viewer) -> str:
    """The JSON of ``/api/status`` (and of the page's WebSocket), built once per update."""
    version, statuses = viewer.store.statuses()
    if viewer.status_cache[0] == version:
        return viewer.status_cache[1]
    now = time.monotonic()
    frames = viewer.store.frames()
    by_source = {s.source: s for s in statuses}
    sources = ordered_servers(viewer.expected, statuses, frames)
    positions = viewer.layout.update(sources)
    rows = []
    for source in sources:
        latest = frames.get(source)
        encoding = None if latest is None else latest.frame.codec
        rows.append(_server_row(source, by_source.get(source), positions[source], encoding, now))
    document = {
        "type": "status",
        "servers": rows,
        "grid": list(viewer.layout.shape),
        "viewers": viewer.relay.viewers,
        "uptime_s": round(now - viewer.started, 3),
    }
    text = json.dumps(document, default=str)
    viewer.status_cache = (version, text)
    return text


# -- handlers -----------------------------------------------------------------------------


async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def _status(request: web.Request) -> web.StreamResponse:
    text = status_document(request.app[_VIEWER])
    return web.Response(text=text, content_type="application/json")


def _known(viewer: _Viewer, source: str) -> bool:
    if source in viewer.expected or viewer.store.latest(source) is not None:
        return True
    return any(s.source == source for s in viewer.store.statuses()[1])


def _source(request: web.Request) -> str:
    source = request.match_info["server"]
    if not _known(request.app[_VIEWER], source):
        raise web.HTTPNotFound(text=f"no server {source!r} on this hub\n")
    return source


async def _snapshot(request: web.Request) -> web.StreamResponse:
    viewer = request.app[_VIEWER]
    source = _source(request)
    latest = viewer.store.latest(source)
    if latest is None:
        raise web.HTTPServiceUnavailable(text=f"no frame from {source!r} yet\n")
    jpeg = await viewer.relay.jpeg(source, latest)
    return web.Response(
        body=bytes(jpeg), content_type="image/jpeg", headers={"Cache-Control": "no-store"}
    )


async def _server_stream(request: web.Request) -> web.StreamResponse:
    viewer = request.app[_VIEWER]
    source = _source(request)

    async def newer(seen: int) -> Part | None:
        latest = viewer.store.latest(source)
        if latest is None or latest.version == seen:
            return None
        return latest.version, await viewer.relay.jpeg(source, latest)

    return await _mjpeg(request, newer, source)


async def _montage_stream(request: web.Request) -> web.StreamResponse:
    montage = request.app[_VIEWER].feed
    with montage.watching():
        return await _mjpeg(request, montage.newer, MONTAGE)


def _gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _mjpeg(
    request: web.Request,
    newer: Callable[[int], Awaitable[Part | None]],
    source: str | None = None,
) -> web.StreamResponse:
    """Stream whatever ``newer`` gives as multipart JPEG, always the newest when ready.

    ``source`` is what makes ``newer`` change: a server id, ``MONTAGE`` (None: anything).
    """
    relay = request.app[_VIEWER].relay
    response = web.StreamResponse(
        headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={_BOUNDARY}",
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    seen = 0
    with relay.subscribe(source) as changes, contextlib.suppress(ConnectionError):
        while not relay.closing and not _gone(request):
            part = await newer(seen)
            if part is None:
                await changes.wait(_WAIT)
                continue
            seen, jpeg = part
            head = f"--{_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}"
            # write() waits while this client's socket is full: only this stream slows down.
            await response.write(b"".join([head.encode(), b"\r\n\r\n", jpeg, b"\r\n"]))
    return response


async def _websocket(request: web.Request) -> web.StreamResponse:
    viewer = request.app[_VIEWER]
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        # Browsers let any page open a WebSocket anywhere; only our own page may read frames.
        raise web.HTTPForbidden(text="cross-origin WebSocket refused\n")
    ws = web.WebSocketResponse(compress=False, max_msg_size=4096, timeout=_WS_CLOSE_TIMEOUT)
    await ws.prepare(request)
    viewer.sockets.add(ws)
    log.debug("page connected from %s", request.remote)
    relay = viewer.relay
    unacked: set[str] = set()
    sent: dict[str, int] = {}
    status_sent = -1
    with relay.subscribe() as changes:
        reader = asyncio.create_task(_read_acks(ws, unacked, changes.poke))
        try:
            while not ws.closed and not relay.closing:
                version, _ = viewer.store.statuses()
                if version != status_sent:
                    status_sent = version
                    await ws.send_str(status_document(viewer))
                for source, latest in viewer.store.frames().items():
                    if source in unacked or sent.get(source) == latest.version:
                        continue
                    jpeg = await relay.jpeg(source, latest)
                    name = source.encode()[:255]
                    await ws.send_bytes(b"".join([bytes([len(name)]), name, jpeg]))
                    sent[source] = latest.version
                    unacked.add(source)
                await changes.wait(_WAIT)
        except ConnectionError:
            pass
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    log.debug("page from %s left", request.remote)
    return ws


async def _read_acks(
    ws: web.WebSocketResponse, unacked: set[str], poke: Callable[[], None]
) -> None:
    """Take the page's acknowledgements: each lets that server's next frame go."""
    async for message in ws:
        if message.type is not WSMsgType.TEXT:
            continue
        try:
            source = json.loads(message.data).get("ack")
        except (ValueError, AttributeError):
            continue
        if isinstance(source, str):
            unacked.discard(source)
            poke()
    poke()
