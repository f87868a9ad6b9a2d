"""One ZAP handler per ZeroMQ context, shared by every secure hub in it.

libzmq asks a context's ZAP handler (whoever binds ``inproc://zeromq.zap.01``)
about every CURVE handshake; only one may bind it. vidgear starts an
authenticator per instance, so the second secure instance in a process fails
to bind and silently runs without security. Here the first secure hub in a
context starts the handler, later ones add their policy under a ZAP domain of
their own (set on their sockets), and the last one to close stops it.

If a handler that is not framehub's already serves the context, binding fails
and the hub raises instead of running with someone else's rules.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field

import zmq
from zmq.utils import z85

from ..errors import TransportError
from ..security import AccessPolicy, Decision
from .sockets import open_socket

__all__ = ["ZapGuard"]

log = logging.getLogger(__name__)

ZAP_ENDPOINT = "inproc://zeromq.zap.01"
_STOP_SECONDS = 1.0
#: Refusals logged at WARNING per handler; after that at DEBUG (a refused camera
#: retries every second, forever).
_LOUD_REFUSALS = 20


@dataclass(eq=False)
class _Handler:
    context: zmq.Context[zmq.Socket[bytes]]
    policies: dict[str, AccessPolicy] = field(default_factory=dict)
    refused: int = 0

    def __post_init__(self) -> None:
        try:
            # A handler this process just stopped may hold the endpoint for a few
            # milliseconds more: open_socket's bind retries briefly.
            self._sock = open_socket(self.context, zmq.REP, bind=ZAP_ENDPOINT)
        except TransportError as exc:
            raise TransportError(
                "Secure Mode could not start its ZAP handler: another authenticator "
                f"(zmq.auth or vidgear's) already serves this ZeroMQ context ({exc}); "
                "give framehub a context of its own"
            ) from exc
        control = f"inproc://framehub-zap-{uuid.uuid4().hex}"
        self._control_in = open_socket(self.context, zmq.PAIR, bind=control)
        self._control_out = open_socket(self.context, zmq.PAIR, connect=control)
        self._thread = threading.Thread(target=self._run, name="framehub-zap", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._control_out.send(b"S")
        self._thread.join(_STOP_SECONDS)
        self._control_out.close(linger=0)
        if self._thread.is_alive():
            log.warning("ZAP handler did not stop within %.1f s", _STOP_SECONDS)

    def _run(self) -> None:
        poller = zmq.Poller()
        poller.register(self._sock, zmq.POLLIN)
        poller.register(self._control_in, zmq.POLLIN)
        try:
            while True:
                ready = dict(poller.poll())
                if self._control_in in ready:
                    return
                if self._sock in ready:
                    self._sock.send_multipart(self._answer(self._sock.recv_multipart()))
        except zmq.ZMQError as exc:
            log.error("ZAP handler failed: %s", exc)
        finally:
            self._sock.close(linger=0)
            self._control_in.close(linger=0)

    def _answer(self, frames: list[bytes]) -> list[bytes]:
        if len(frames) < 6:
            return [b"1.0", b"", b"500", b"malformed ZAP request", b"", b""]
        version, request_id, domain, address, _identity, mechanism, *credentials = frames
        if version != b"1.0":
            return [b"1.0", request_id, b"500", b"unsupported ZAP version", b"", b""]
        decision = self._decide(domain.decode(errors="replace"), address, mechanism, credentials)
        if not decision.allowed:
            self.refused += 1
            level = logging.WARNING if self.refused <= _LOUD_REFUSALS else logging.DEBUG
            log.log(level, "refused a connection from %s: %s", address.decode(), decision.reason)
        return [
            b"1.0",
            request_id,
            str(decision.status).encode(),
            decision.reason.encode(),
            decision.user_id.encode(),
            b"",
        ]

    def _decide(
        self, domain: str, address: bytes, mechanism: bytes, credentials: list[bytes]
    ) -> Decision:
        policy = self.policies.get(domain)
        if policy is None:
            if mechanism == b"NULL":
                # Not one of ours, and unencrypted anyway: ZeroMQ's default is to accept.
                return Decision(True, 200, "OK")
            return Decision(False, 400, f"no framehub hub uses ZAP domain {domain!r}")
        key = b""
        if mechanism == b"CURVE" and len(credentials) == 1 and len(credentials[0]) == 32:
            key = z85.encode(credentials[0])
        try:
            return policy.decide(address.decode(errors="replace"), mechanism.decode(), key)
        except Exception as exc:  # a policy failure refuses; it never lets anyone in
            log.exception("ZAP policy failed")
            return Decision(False, 500, f"policy error: {exc}")


_lock = threading.Lock()
_handlers: dict[int, _Handler] = {}


class ZapGuard:
    """One hub's registration with its context's ZAP handler; ``domain`` goes on its sockets."""

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]], policy: AccessPolicy) -> None:
        self.domain = f"framehub-{uuid.uuid4().hex}"
        self._context = context
        with _lock:
            handler = _handlers.get(id(context))
            if handler is None:
                handler = _Handler(context)
                _handlers[id(context)] = handler
            handler.policies = {**handler.policies, self.domain: policy}
        self._closed = False

    def close(self) -> None:
        """Withdraw the policy; the last one stops the handler. Idempotent."""
        with _lock:
            if self._closed:
                return
            self._closed = True
            handler = _handlers[id(self._context)]
            handler.policies = {d: p for d, p in handler.policies.items() if d != self.domain}
            if not handler.policies:
                del _handlers[id(self._context)]
                handler.stop()
