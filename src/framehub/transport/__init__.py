"""The only layer that touches ZeroMQ: sockets, pollers, options, timeouts and the I/O thread.

ZeroMQ errors are turned into framehub's own here. A context may be passed in;
by default the process-wide one is used, and no instance ever terminates it.
"""

from __future__ import annotations

import zmq

from .driver import Driven, SocketDriver
from .hub_link import HubLink, HubLinkSpec, HubSink, Inlet, LinkTap, Verdict
from .imagezmq_link import ImagezmqInlet, ImagezmqSpec
from .monitor import PeerEvent, PeerEventKind
from .republisher import PublishStats, Republisher
from .sender_link import (
    HUB_LOST,
    HubLost,
    PublishLink,
    Reply,
    RequestLink,
    SenderLinkSpec,
    open_link,
)
from .sockets import Curve, curve_available
from .ssh import SshTunnel, SshTunnelConfig, parse_ssh_server
from .subscriber_link import SubscriberLink, SubscriberLinkSpec

__all__ = [
    "HUB_LOST",
    "Context",
    "Curve",
    "Driven",
    "HubLink",
    "HubLinkSpec",
    "HubLost",
    "HubSink",
    "ImagezmqInlet",
    "ImagezmqSpec",
    "Inlet",
    "LinkTap",
    "PeerEvent",
    "PeerEventKind",
    "PublishLink",
    "PublishStats",
    "Reply",
    "Republisher",
    "RequestLink",
    "SenderLinkSpec",
    "SocketDriver",
    "SshTunnel",
    "SshTunnelConfig",
    "SubscriberLink",
    "SubscriberLinkSpec",
    "Verdict",
    "curve_available",
    "default_context",
    "open_link",
    "parse_ssh_server",
]

#: The ZeroMQ context type, for callers that want their own.
Context = zmq.Context


def default_context() -> zmq.Context[zmq.Socket[bytes]]:
    """The process-wide context, shared by every instance that is not given one."""
    return zmq.Context.instance()
