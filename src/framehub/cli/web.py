"""The web viewer's options, shared by ``demo`` and ``view``, and its sink."""

from __future__ import annotations

import argparse
import errno
import logging
import os
from collections.abc import Sequence

from ..api import Frame, ServerStatus
from ..web import FrameStore, WebViewer, is_loopback
from .common import CommandError, host_port

__all__ = ["WebSink", "add_web_options", "open_web"]

log = logging.getLogger(__name__)

DEFAULT_HTTP = ("127.0.0.1", 8080)
_TOKEN_ENV = "FRAMEHUB_TOKEN"


def add_web_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("web viewer")
    group.add_argument(
        "--http",
        type=host_port,
        default=None,
        metavar="HOST:PORT",
        help="serve the viewer here (default: 127.0.0.1:8080, or a free port if that is "
        "taken); another host than loopback makes it reachable from the network",
    )
    group.add_argument("--no-web", action="store_true", help="do not serve the web viewer")
    group.add_argument(
        "--token",
        default=os.environ.get(_TOKEN_ENV) or None,
        help=f"require this access token (?token=...) on every request (default: ${_TOKEN_ENV})",
    )


class WebSink:
    """Feeds the web viewer's store from the hub runner."""

    interval = 0.25

    def __init__(self, viewer: WebViewer, store: FrameStore) -> None:
        self.viewer = viewer
        self.store = store

    def frame(self, frame: Frame) -> None:
        self.store.publish(frame)

    def status(self, statuses: tuple[ServerStatus, ...]) -> None:
        self.store.update(statuses)

    def close(self) -> None:
        self.viewer.close()


def open_web(args: argparse.Namespace, servers: Sequence[str]) -> WebSink | None:
    """Start the viewer as the options say; None with ``--no-web``."""
    if args.no_web:
        return None
    host, port = args.http or DEFAULT_HTTP
    if not is_loopback(host) and not args.token:
        log.warning(
            "the web viewer on %s is reachable from the network without a token (--token)", host
        )
    store = FrameStore()
    try:
        viewer = WebViewer(store, host, port, servers=servers, token=args.token)
    except OSError as exc:
        if args.http is None and exc.errno == errno.EADDRINUSE:
            viewer = WebViewer(store, host, 0, servers=servers, token=args.token)
        else:
            raise CommandError(f"cannot serve the web viewer on {host}:{port}: {exc}") from exc
    return WebSink(viewer, store)
