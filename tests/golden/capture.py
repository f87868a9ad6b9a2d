"""Capture golden NetGear messages from the real vidgear 0.3.6.

Run ``python tests/golden/capture.py`` to regenerate the ``*.json`` files beside it.
Each case runs one real vidgear ``NetGear`` on 127.0.0.1 against a raw pyzmq socket
that this script controls, and records the exact multipart bytes vidgear sent:

* server-to-client: a vidgear server (``receive_mode=False``) sends to our bound
  PAIR (pattern 0), ROUTER (pattern 1) or SUB (pattern 2) socket; its ``close()``
  sends the termination message;
* client-to-server: a vidgear client (``receive_mode=True``) binds, and our PAIR
  (pattern 0) or REQ (pattern 1) socket sends it frame messages built exactly as
  vidgear builds them; the client's acknowledgements and return data are recorded.

A vidgear pattern-1 server is a REQ socket with REQ_CORRELATE and REQ_RELAXED, so on
our ROUTER each request arrives as ``[identity, 4-byte request id, b"", *body]``;
the files keep the body and describe the envelope.

No pattern-2 termination is captured: vidgear's PUB server closes with LINGER 0 right
after sending it, so it is discarded before it leaves (about 1 in 100 arrived when measured).
Its bytes are those of the pattern-0/1 goldens: the goodbye does not depend on the pattern.

Frames are 8x6 so that the files stay small. Every socket wait has a timeout.
"""

from __future__ import annotations

import base64
import json
import platform
import socket
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import simplejpeg
import vidgear
import zmq
from vidgear.gears import NetGear

GOLDEN_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"
TIMEOUT_MS = 5000
# vidgear's client spins in recv() until its receiver thread has queued the frame;
# that happens right after it sends its reply, so this bound is generous.
RECV_TIMEOUT_S = 5.0

ROUTER_ENVELOPE = (
    "received on a ROUTER as [identity, request id (4 bytes), b'', *parts]: vidgear's "
    "pattern-1 server is a REQ socket with REQ_CORRELATE and REQ_RELAXED set; "
    "'parts' below are the body after the empty delimiter"
)


def make_frames() -> dict[str, np.ndarray[Any, Any]]:
    """The small frames every case sends (deterministic, smooth enough for JPEG)."""
    ys, xs = np.mgrid[0:6, 0:8]
    bgr = np.stack([40 + xs * 12, 60 + ys * 16, 120 + xs * 4 + ys * 4], axis=-1).astype(np.uint8)
    gray = (xs * 25 + ys * 10).astype(np.uint8)
    float32 = (np.arange(48, dtype=np.float32) / 7).reshape(6, 8)
    return {"bgr": bgr, "gray": gray, "float32": float32}


FRAMES = make_frames()


def array_spec(array: np.ndarray[Any, Any]) -> dict[str, Any]:
    return {
        "dtype": str(array.dtype),
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(),
    }


def free_port() -> int:
    """A port the OS reports free now, for a vidgear client that binds it itself."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def vidgear_header(port: str | int | None, **fields: Any) -> bytes:
    """A header serialised the way vidgear's ``send_json`` does (json.dumps defaults)."""
    header = {} if port is None else {"port": port}
    header.update(fields)
    return json.dumps(header).encode()


def raw_frame_message(
    frame: np.ndarray[Any, Any], pattern: int, message: Any = None, port: str | int | None = None
) -> list[bytes]:
    header = vidgear_header(
        port,
        terminate_flag=False,
        compression=False,
        message=message,
        pattern=str(pattern),
        dtype=str(frame.dtype),
        shape=list(frame.shape),
    )
    return [header, frame.tobytes()]


def terminate_message(port: str | int | None = None) -> list[bytes]:
    fields: dict[str, Any] = {"terminate_flag": True}
    if port is not None:
        fields["port"] = port
    return [json.dumps(fields).encode()]


class Peer:
    """Our side of one capture: a raw pyzmq socket with timeouts on every wait."""

    def __init__(self, ctx: zmq.Context[zmq.Socket[bytes]], kind: int) -> None:
        self.kind = kind
        self.sock = ctx.socket(kind)
        self.sock.setsockopt(zmq.LINGER, 0)
        if kind == zmq.SUB:
            self.sock.setsockopt(zmq.SUBSCRIBE, b"")
        self.envelope: list[bytes] = []

    def bind(self) -> int:
        return self.sock.bind_to_random_port(f"tcp://{HOST}")

    def connect(self, port: int) -> None:
        self.sock.connect(f"tcp://{HOST}:{port}")

    def recv(self, timeout_ms: int = TIMEOUT_MS) -> list[bytes]:
        if not self.sock.poll(timeout_ms, zmq.POLLIN):
            raise TimeoutError(f"nothing received within {timeout_ms} ms")
        parts = self.sock.recv_multipart()
        if self.kind == zmq.ROUTER:
            delimiter = parts.index(b"")
            self.envelope, parts = parts[: delimiter + 1], parts[delimiter + 1 :]
        return parts

    def send(self, parts: list[bytes]) -> None:
        self.sock.send_multipart(self.envelope + parts)

    def close(self) -> None:
        self.sock.close()


@dataclass
class Golden:
    name: str
    description: str
    direction: str
    netgear: dict[str, Any]
    call: str
    parts: list[bytes]
    inputs: dict[str, Any] = field(default_factory=dict)
    envelope: dict[str, Any] | None = None

    def write(self) -> None:
        body: dict[str, Any] = {
            "description": self.description,
            "producer": PRODUCER,
            "direction": self.direction,
            "netgear": self.netgear,
            "call": self.call,
            "inputs": self.inputs,
        }
        if self.envelope is not None:
            body["envelope"] = self.envelope
        body["parts"] = [base64.b64encode(part).decode() for part in self.parts]
        body["part0_text"] = self.parts[0].decode("utf-8", errors="replace")
        path = GOLDEN_DIR / f"{self.name}.json"
        path.write_text(json.dumps(body, indent=2) + "\n")
        print(f"wrote {path.name}: {len(self.parts)} part(s), {sum(map(len, self.parts))} bytes")


PRODUCER = {
    "vidgear": vidgear.__version__,
    "pyzmq": zmq.pyzmq_version(),
    "libzmq": zmq.zmq_version(),
    "simplejpeg": simplejpeg.__version__,
    "numpy": np.__version__,
    "python": platform.python_version(),
}


class Gear:
    """A vidgear NetGear that is closed exactly once (its own close() is not idempotent)."""

    def __init__(self, **kwargs: Any) -> None:
        self.netgear = NetGear(address=HOST, protocol="tcp", logging=False, **kwargs)
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.netgear.close()

    def __enter__(self) -> Gear:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def netgear_description(role: str, port: Any, pattern: int, options: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in options.items())
    receive = role == "client"
    return (
        f"vidgear {vidgear.__version__} NetGear(address={HOST!r}, port={port!r}, "
        f"protocol='tcp', pattern={pattern}, receive_mode={receive}"
        + (f", {args}" if args else "")
        + ")"
    )


# --------------------------------------------------------------------------- servers


@dataclass
class ServerCase:
    name: str
    pattern: int
    frame: str = "bgr"
    message: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    int_port: bool = False
    capture_close: bool = False


SERVER_CASES = [
    ServerCase("server_p0_raw_bgr", 0, options={"jpeg_compression": False}, capture_close=True),
    ServerCase("server_p0_jpeg_bgr_msg_str", 0, message="hello from p0"),
    ServerCase("server_p1_raw_bgr", 1, options={"jpeg_compression": False}, capture_close=True),
    ServerCase("server_p1_raw_gray", 1, "gray", options={"jpeg_compression": False}),
    ServerCase("server_p1_raw_float32", 1, "float32", options={"jpeg_compression": False}),
    ServerCase(
        "server_p1_raw_bgr_msg_dict",
        1,
        message={"camera": "left", "fps": 29.97, "tags": ["a", "b"], "ok": True, "none": None},
        options={"jpeg_compression": False},
    ),
    ServerCase(
        "server_p1_raw_bgr_msg_list",
        1,
        message=[1, "two", 3.5, None, False],
        options={"jpeg_compression": False},
    ),
    ServerCase("server_p1_raw_bgr_msg_int", 1, message=42, options={"jpeg_compression": False}),
    ServerCase("server_p1_raw_bgr_msg_float", 1, message=-2.5, options={"jpeg_compression": False}),
    ServerCase(
        "server_p1_raw_bgr_msg_unicode",
        1,
        message="caf\u00e9 \u2713",
        options={"jpeg_compression": False},
    ),
    ServerCase("server_p1_jpeg_bgr_default", 1),
    ServerCase("server_p1_jpeg_gray", 1, "gray", options={"jpeg_compression": "GRAY"}),
    ServerCase(
        "server_p1_jpeg_rgb_q75_flags",
        1,
        options={
            "jpeg_compression": "RGB",
            "jpeg_compression_quality": 75,
            "jpeg_compression_fastdct": False,
            "jpeg_compression_fastupsample": True,
        },
    ),
    ServerCase(
        "server_p1_multiserver_raw_bgr",
        1,
        options={"multiserver_mode": True, "jpeg_compression": False},
        capture_close=True,
    ),
    ServerCase(
        "server_p1_multiserver_int_port_jpeg_msg_str",
        1,
        message="I am Server",
        options={"multiserver_mode": True},
        int_port=True,
        capture_close=True,
    ),
    ServerCase(
        "server_p1_bidirectional_raw_bgr_msg_str",
        1,
        message="data beside the frame",
        options={"bidirectional_mode": True, "jpeg_compression": False},
    ),
    ServerCase(
        "server_p1_multiclient_raw_bgr",
        1,
        options={"multiclient_mode": True, "jpeg_compression": False},
        capture_close=True,
    ),
    ServerCase("server_p2_raw_bgr", 2, options={"jpeg_compression": False}),
    ServerCase("server_p2_jpeg_bgr_msg_dict", 2, message={"k": [1, 2]}),
    ServerCase(
        "server_p2_multiserver_raw_gray_msg_int",
        2,
        "gray",
        message=7,
        options={"multiserver_mode": True, "jpeg_compression": False},
    ),
]

PEER_KIND = {0: zmq.PAIR, 1: zmq.ROUTER, 2: zmq.SUB}


def server_reply(case: ServerCase, port: str | int) -> list[bytes]:
    """What our socket answers a vidgear server, in the shape its mode waits for."""
    if case.options.get("multiclient_mode"):
        return [json.dumps({"port": port, "return_type": "NoneType", "data": None}).encode()]
    if case.options.get("bidirectional_mode"):
        return [json.dumps({"return_type": "NoneType", "data": None}).encode()]
    return [b"Data received on device: CAPTURE !"]


@dataclass
class ServerSession:
    netgear: dict[str, Any]
    description: str
    frame_parts: list[bytes]
    frame_envelope: list[bytes]
    close_parts: list[bytes] | None
    close_envelope: list[bytes]


def run_server(
    ctx: zmq.Context[zmq.Socket[bytes]], pool: ThreadPoolExecutor, case: ServerCase
) -> ServerSession:
    """One vidgear server: send one frame, then close(); return what our socket got."""
    peer = Peer(ctx, PEER_KIND[case.pattern])
    try:
        bound = peer.bind()
        port: str | int = bound if case.int_port else str(bound)
        # A multi-client server takes the list of its clients' ports.
        netgear_port = [port] if case.options.get("multiclient_mode") else port
        with Gear(port=netgear_port, pattern=case.pattern, **case.options) as gear:

            def send() -> Any:
                return gear.netgear.send(FRAMES[case.frame], message=case.message)

            if case.pattern == 2:
                frame_parts = _publish_until_received(peer, send)
            else:
                future = pool.submit(send)
                frame_parts = peer.recv()
                peer.send(server_reply(case, port))
                future.result(timeout=RECV_TIMEOUT_S)
            frame_envelope = peer.envelope
            close_parts = None
            if case.pattern < 2:
                closing: Future[Any] = pool.submit(gear.close)
                close_parts = peer.recv()
                peer.send([b"Termination signal successfully received at Client's end!"])
                closing.result(timeout=RECV_TIMEOUT_S)
            close_envelope = peer.envelope
    finally:
        peer.close()
    return ServerSession(
        netgear={
            "role": "server",
            "pattern": case.pattern,
            "port": netgear_port,
            "options": case.options,
        },
        description=netgear_description("server", netgear_port, case.pattern, case.options),
        frame_parts=frame_parts,
        frame_envelope=frame_envelope,
        close_parts=close_parts,
        close_envelope=close_envelope,
    )


def capture_server(
    ctx: zmq.Context[zmq.Socket[bytes]], pool: ThreadPoolExecutor, case: ServerCase
) -> None:
    session = run_server(ctx, pool, case)
    Golden(
        name=case.name,
        description=f"{session.description}.send(frame, message={case.message!r})",
        direction="server-to-client",
        netgear=session.netgear,
        call="send",
        inputs={"frame": array_spec(FRAMES[case.frame]), "message": case.message},
        envelope=describe_envelope(session.frame_envelope),
        parts=session.frame_parts,
    ).write()
    if case.capture_close and session.close_parts is not None:
        Golden(
            name=case.name.split("_raw")[0].split("_jpeg")[0] + "_close",
            description=f"{session.description}.close()",
            direction="server-to-client",
            netgear=session.netgear,
            call="close",
            envelope=describe_envelope(session.close_envelope),
            parts=session.close_parts,
        ).write()


def describe_envelope(envelope: list[bytes]) -> dict[str, Any] | None:
    if not envelope:
        return None
    return {
        "note": ROUTER_ENVELOPE,
        "frame_sizes": [len(frame) for frame in envelope],
        "frames_hex": [frame.hex() for frame in envelope],
    }


def _publish_until_received(peer: Peer, send: Callable[[], Any]) -> list[bytes]:
    """PUB drops messages until the subscription has travelled: resend until one lands."""
    for _ in range(50):
        send()
        try:
            return peer.recv(timeout_ms=100)
        except TimeoutError:
            continue
    raise TimeoutError("the vidgear PUB server never reached our SUB socket")


# --------------------------------------------------------------------------- clients


@dataclass
class ClientCase:
    name: str
    pattern: int
    options: dict[str, Any] = field(default_factory=dict)
    # return data set through recv(return_data=...) before each further frame,
    # recorded as <name>_<label>; the first reply always precedes any recv() call.
    returns: list[tuple[str, Any]] = field(default_factory=list)
    # label of the first reply, or None where another case already records it
    first_label: str | None = "ack"
    capture_terminate: bool = False


CLIENT_CASES = [
    ClientCase("client_p0", 0),
    ClientCase("client_p1", 1, capture_terminate=True),
    ClientCase("client_p1_multiserver", 1, {"multiserver_mode": True}, capture_terminate=True),
    ClientCase(
        "client_p1_bidirectional",
        1,
        {"bidirectional_mode": True, "jpeg_compression": False},
        returns=[
            ("str", "Hi, I am a Client here."),
            ("dict", {"x": 1, "y": [True, None], "z": "w"}),
            ("list", [1, 2.5, "three"]),
            ("int", 12),
            ("ndarray_raw_bgr", FRAMES["bgr"]),
        ],
        first_label="none",
    ),
    ClientCase(
        "client_p1_bidirectional_jpeg",
        1,
        {"bidirectional_mode": True},
        returns=[("ndarray_jpeg_bgr", FRAMES["bgr"])],
        first_label=None,
    ),
    ClientCase(
        "client_p1_bidirectional_jpeg_gray",
        1,
        {"bidirectional_mode": True, "jpeg_compression": "GRAY"},
        returns=[("ndarray_jpeg_gray", FRAMES["gray"])],
        first_label=None,
    ),
    ClientCase(
        "client_p0_bidirectional",
        0,
        {"bidirectional_mode": True, "jpeg_compression": False},
        returns=[("str", "pair reply")],
        first_label="none",
    ),
    ClientCase("client_p1_multiclient", 1, {"multiclient_mode": True}, first_label="reply"),
]


def capture_client(
    ctx: zmq.Context[zmq.Socket[bytes]], pool: ThreadPoolExecutor, case: ClientCase
) -> None:
    port_number = free_port()
    multiserver = bool(case.options.get("multiserver_mode"))
    port: Any = [str(port_number)] if multiserver else str(port_number)
    claimed_port = str(port_number) if multiserver else None
    peer = Peer(ctx, zmq.PAIR if case.pattern == 0 else zmq.REQ)
    description = netgear_description("client", port, case.pattern, case.options)
    netgear_info = {
        "role": "client",
        "pattern": case.pattern,
        "port": port,
        "options": case.options,
    }
    frame = FRAMES["bgr"]
    try:
        with Gear(port=port, pattern=case.pattern, receive_mode=True, **case.options) as gear:
            client = gear.netgear
            peer.connect(port_number)

            def exchange(label: str | None, call: str, inputs: dict[str, Any]) -> None:
                peer.send(raw_frame_message(frame, case.pattern, port=claimed_port))
                parts = peer.recv()
                if label is None:
                    return
                Golden(
                    name=f"{case.name}_{label}",
                    description=f"{description}: reply to a raw frame message, {call}",
                    direction="client-to-server",
                    netgear=netgear_info,
                    call=call,
                    inputs=inputs,
                    parts=parts,
                ).write()

            exchange(case.first_label, "no return data set yet", {"return_data": None})
            for label, value in case.returns:
                # Hands the previous frame over and sets what the next reply carries.
                received = pool.submit(client.recv, return_data=value).result(RECV_TIMEOUT_S)
                assert received is not None
                inputs = (
                    {"return_array": array_spec(value)}
                    if isinstance(value, np.ndarray)
                    else {"return_data": value}
                )
                exchange(label, f"after recv(return_data={type(value).__name__})", inputs)
            peer.send(terminate_message(claimed_port))
            if case.pattern == 1:
                parts = peer.recv()
            if case.capture_terminate:
                Golden(
                    name=f"{case.name}_terminate_reply",
                    description=f"{description}: reply to the termination message",
                    direction="client-to-server",
                    netgear=netgear_info,
                    call="termination received",
                    parts=parts,
                ).write()
            # Once terminated, recv() returns None instead of spinning.
            while pool.submit(client.recv).result(RECV_TIMEOUT_S) is not None:
                pass
    finally:
        peer.close()


def main() -> int:
    for old in GOLDEN_DIR.glob("*.json"):
        old.unlink()
    ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for server_case in SERVER_CASES:
                capture_server(ctx, pool, server_case)
            for client_case in CLIENT_CASES:
                capture_client(ctx, pool, client_case)
    finally:
        ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
