"""The sending end: a server (camera host) streaming to one hub."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

from ..checks import Closing
from ..codecs import EncodedFrame, FrameEncoder, JpegEncoder, RawEncoder, decode_frame
from ..errors import ConfigError, PeerTimeout, TransportError, WireError
from ..session import RetryBudget
from ..transport import (
    HUB_LOST,
    Context,
    HubLost,
    PublishLink,
    Reply,
    RequestLink,
    SenderLinkSpec,
    default_context,
    open_link,
)
from ..wire import (
    Ack,
    ArrayReply,
    DataReply,
    EndOfStream,
    FrameHeader,
    JSONValue,
    Payload,
    decode_client_message,
    encode_server_message,
)
from .config import SenderConfig
from .h264_sending import H264Sending
from .secure import sender_curve
from .validate import check_message

__all__ = ["Sender", "SenderStats"]

log = logging.getLogger(__name__)

#: What a bidirectional hub sends back with a frame's acknowledgement.
ReplyData: TypeAlias = "JSONValue | np.ndarray[Any, Any]"

#: Longest a publisher's constructor waits for the hub's subscription.
_SUBSCRIPTION_WAIT = 1.0

#: An acknowledgement that says nothing of framehub's own.
_PLAIN = Ack()

#: Numbers the senders of this process, so each has an id of its own (``_sender_id``).
_INSTANCES = itertools.count()


def _sender_id() -> str:
    """Who is sending, for a hub to tell two senders on one port apart and name them:
    ``host/pid``, and ``host/pid.N`` for this process's later senders."""
    n = next(_INSTANCES)
    return f"{socket.gethostname()[:40]}/{os.getpid()}" + (f".{n}" if n else "")


@dataclass(frozen=True, slots=True)
class SenderStats:
    """Counters since the sender was made.

    ``dropped`` are frames handed to ``send()`` that never reached a hub as far as
    the sender can tell: no hub connected, its queue full (pattern 2), or lost
    with a hub that stopped answering (patterns 0/1).
    """

    sent: int
    acknowledged: int
    dropped: int
    failures: int
    in_flight: int
    #: Frames that may await acknowledgement now: ``window``, or fewer while a
    #: framehub hub asks for fewer (see ``session.flow``).
    window: int


def _encoder(config: SenderConfig) -> FrameEncoder:
    codec = config.effective_codec
    if codec == "raw":
        return RawEncoder()
    jpeg = config.effective_jpeg
    return JpegEncoder(jpeg.quality, jpeg.colorspace, jpeg.fastdct, jpeg.fastupsample)


class Sender(Closing):
    """Connects to a hub and sends frames, each with an optional JSON ``message``.

    In patterns 0 and 1 up to ``window`` frames await their acknowledgement at
    once; a hub that stops answering for ``request_timeout`` seconds is given up
    on, the socket is rebuilt and frames are dropped and counted until the hub is
    back (no ``send()`` ever waits longer than ``request_timeout``). With
    ``max_retries`` set, that many consecutive failures raise ``PeerTimeout``.
    In pattern 2 frames the hub cannot take are dropped and counted.
    """

    def __init__(self, config: SenderConfig, *, context: Context[Any] | None = None) -> None:
        self.config = config
        self._budget = RetryBudget(config.max_retries)
        spec = SenderLinkSpec(
            protocol=config.protocol,
            address=config.address,
            port=str(config.port),
            pattern=config.pattern,
            queue=config.queue,
            curve=sender_curve(config.security),
            tunnel=config.ssh_tunnel,
        )
        self._link: RequestLink | PublishLink = open_link(spec, context or default_context())
        #: Set for H.264, whose encoder follows the hub's acknowledgements.
        self._h264: H264Sending | None = None
        if config.effective_codec == "h264":
            try:
                self._h264 = H264Sending(config, self._link.where)
            except BaseException:
                self._link.close()
                raise
        self._encoder: FrameEncoder = self._h264 or _encoder(config)
        if isinstance(self._link, PublishLink):
            # A frame stamped and then held in send() until the hub subscribes starts
            # the stream old (50-100 ms with 32 servers starting at once): wait for a
            # hub that is there now. One that comes later gets the first frame anyway.
            self._link.wait_ready(min(_SUBSCRIPTION_WAIT, config.request_timeout))
        self._in_flight: deque[int] = deque()
        #: Frames that may await acknowledgement now: the configured window, or fewer
        #: while a framehub hub asks for fewer. The hub's latest request comes with
        #: the acknowledgement it came in: a hub repeats it, and it is then not parsed
        #: again.
        #: One frame in flight until the first acknowledgement says how many the hub
        #: wants: a window sent before the hub could say so waited at a busy hub,
        #: the oldest frames of the stream.
        self._configured_window = config.effective_window
        self._window = 1
        self._advice: tuple[bytes, Ack] = (b"", _PLAIN)
        self._seq = 0
        #: The server's identity in its headers (Multi-Servers Mode), and the header of
        #: the frames it sends with the kind of frame it was made for (``_header_for``).
        self._port = config.port if config.multiserver else None
        self._id = _sender_id()
        self._header: tuple[tuple[object, ...], FrameHeader] | None = None
        #: False after a failure: then send() does not wait for the hub to come back.
        self._reachable = True
        self._last_failure = 0.0
        self._sent = self._acknowledged = self._dropped = self._failures = 0
        self._bad_replies = 0
        self._closed = False

    @property
    def stats(self) -> SenderStats:
        return SenderStats(
            self._sent,
            self._acknowledged,
            self._dropped,
            self._failures,
            len(self._in_flight),
            self._window,
        )

    def send(self, frame: np.ndarray[Any, Any], message: JSONValue = None) -> None:
        """Send one frame; returns once it is queued (and, with a full window, acknowledged)."""
        self._submit(frame, message)

    def request(self, frame: np.ndarray[Any, Any], message: JSONValue = None) -> ReplyData:
        """Bidirectional mode: send one frame and return the hub's reply data for it.

        None when the hub sent none, or did not answer within ``request_timeout``.
        """
        if not self.config.bidirectional:
            raise ConfigError("request() needs bidirectional mode (bidirectional=True)")
        return self._answer(self._submit(frame, message))

    def _answer(self, tag: int | None) -> ReplyData:
        """The reply data for the frame just submitted as ``tag`` (None if it was dropped)."""
        if tag is None:
            return None
        reply = self._await_reply(self.config.request_timeout)
        return None if reply is None else self._reply_data(reply)

    # -- sending --------------------------------------------------------------------

    def _submit(self, frame: np.ndarray[Any, Any], message: JSONValue) -> int | None:
        """Encode and queue one frame; its tag, or None if it was dropped.

        Everything that can make the frame wait or be dropped happens before it is
        encoded, so no encoding is spent on a frame that will not leave.
        """
        if self._closed:
            raise ConfigError("send() on a closed sender")
        check_message(message)
        self._encoder.check(frame)
        if not self._admit():
            self._skip()
            return None
        encoded = self._encoder.encode(frame)
        if encoded.codec is not None and not encoded.payload:
            self._skip()  # an encoder holding its first frames back (hardware, at first)
            return None
        return self._submit_encoded(encoded, message, admitted=True)

    def _submit_encoded(
        self, encoded: EncodedFrame, message: JSONValue, *, admitted: bool = False
    ) -> int | None:
        """Queue a frame already encoded (once, for every sender of a ``SenderGroup``)."""
        if not admitted and not self._admit():
            self._skip()
            return None
        seq = self._seq
        self._seq += 1
        header = self._header_for(encoded).render(message, seq, time.time(), encoded.codec)
        parts: list[Payload] = [header, encoded.payload]
        if not self._transmit(parts, seq):
            self._drop(1)
            return None
        self._sent += 1
        return seq

    def _header_for(self, encoded: EncodedFrame) -> FrameHeader:
        """The header of this sender's frames of ``encoded``'s kind (made once per kind)."""
        kind = (encoded.compression, encoded.dtype, encoded.shape)
        if self._header is None or self._header[0] != kind:
            header = FrameHeader(
                port=self._port,
                pattern=self.config.pattern,
                compression=encoded.compression,
                dtype=encoded.dtype,
                shape=encoded.shape,
                name=self.config.name,
                sender=self._id,
                probe=self._h264 is not None and self._h264.probing,
            )
            self._header = (kind, header)
        return self._header[1]

    def _admit(self) -> bool:
        """Wait, within ``request_timeout``, until one more frame can leave: room in the
        window (patterns 0/1), a hub connected, room in ZeroMQ's queue (pattern 2)."""
        return self._window_open() and self._ready() and self._room()

    def _skip(self) -> None:
        """A frame dropped before it was numbered: the hub sees the gap in the numbers."""
        self._seq += 1
        self._drop(1)

    def _room(self) -> bool:
        if not isinstance(self._link, PublishLink):
            return True
        wait = 0.0 if self.config.nonblocking else self.config.request_timeout
        return self._link.wait_room(wait)

    def _can_take_now(self) -> bool:
        """Whether a frame would leave at once: a hub is connected and the window has room."""
        if isinstance(self._link, RequestLink) and self._in_flight:
            return False
        return self._link.wait_ready(0.0)

    def _window_open(self) -> bool:
        """Make room for one more frame awaiting acknowledgement (patterns 0/1)."""
        if not isinstance(self._link, RequestLink):
            return True
        if self.config.nonblocking or len(self._in_flight) < self._window:
            # Retire the replies already here. With a full window a blocking sender
            # waits for the oldest one below instead, which finds it just as fast.
            while self._in_flight and isinstance(reply := self._next_reply(0.0), Reply):
                self._match(reply)
        while len(self._in_flight) >= self._window:
            if self.config.nonblocking:
                return False
            self._await_reply(self.config.request_timeout)
        return True

    def _ready(self) -> bool:
        """Whether a hub can take a frame now; waits only while the hub is presumed there."""
        presumed_there = self._reachable and not self.config.nonblocking
        wait = self.config.request_timeout if presumed_there else 0.0
        if self._link.wait_ready(wait):
            return True
        self._fail("no hub connected")
        return False

    def _transmit(self, parts: list[Payload], seq: int) -> bool:
        copy = len(parts[-1]) < self.config.copy_threshold
        wait_sent = self.config.request_timeout if self.config.track else None
        if isinstance(self._link, PublishLink):
            return self._link.send(parts, copy=copy, wait_sent=wait_sent)
        if not self._link.send(parts, tag=seq, copy=copy, wait_sent=wait_sent):
            return False
        self._in_flight.append(seq)
        return True

    def _drop(self, count: int) -> None:
        self._dropped += count
        log.debug("dropped %d frame(s); %d so far", count, self._dropped)

    # -- replies (patterns 0 and 1) -------------------------------------------------

    def _await_reply(self, timeout: float) -> Reply | None:
        """Wait for the oldest frame's reply; give the hub up (Lazy Pirate) when its
        connection closes, or when nothing came within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._in_flight:
            reply = self._next_reply(deadline)
            if not isinstance(reply, Reply):
                self._abandon_in_flight()
                lost = reply is HUB_LOST
                self._fail("its connection closed" if lost else "no reply within request_timeout")
                return None
            if self._match(reply):
                return reply
        return None

    def _next_reply(self, deadline: float) -> Reply | HubLost | None:
        """The next well-formed reply before ``deadline``; malformed ones are counted."""
        link = self._requests
        while True:
            try:
                return link.recv_reply(max(0.0, deadline - time.monotonic()))
            except WireError as exc:
                self._bad_reply(exc)

    def _bad_reply(self, error: WireError) -> None:
        self._bad_replies += 1
        level = logging.WARNING if self._bad_replies == 1 else logging.DEBUG
        log.log(level, "dropped bad reply #%d from the hub: %s", self._bad_replies, error)

    @property
    def _requests(self) -> RequestLink:
        if not isinstance(self._link, RequestLink):
            raise TypeError("pattern 2 has no replies")  # an internal invariant, not input
        return self._link

    def _match(self, reply: Reply) -> bool:
        """Retire the frame this reply answers (and any older ones it skipped)."""
        if reply.tag is not None and reply.tag not in self._in_flight:
            return False  # a stale reply to a frame already given up on
        while self._in_flight:
            tag = self._in_flight.popleft()
            if reply.tag is None or tag == reply.tag:
                break
            self._drop(1)
        self._reachable = True
        self._budget.success()
        if not self.config.bidirectional and not reply.refused:
            ack = self._acknowledgement(reply)
            window = self._configured_window
            self._window = window if ack.window is None else min(window, ack.window)
            if self._h264 is not None:
                self._h264.acknowledged(ack)
        if reply.refused:
            log.warning("the hub refused a frame as invalid (is this the right port?)")
            self._drop(1)
        else:
            self._acknowledged += 1
        return True

    def _acknowledgement(self, reply: Reply) -> Ack:
        """What a framehub hub says in its acknowledgement: the window it asks for, and
        for H.264 that it is framehub and whether it needs a keyframe."""
        parts = reply.parts
        if len(parts) != 1 or not parts[0].startswith(b"{"):
            return _PLAIN  # a plain acknowledgement: vidgear's, or framehub's without advice
        if parts[0] == self._advice[0]:
            return self._advice[1]
        try:
            message = decode_client_message(parts, self.config.limits)
        except WireError as exc:
            self._bad_reply(exc)
            return _PLAIN
        ack = message if isinstance(message, Ack) else _PLAIN
        self._advice = (bytes(parts[0]), ack)
        return ack

    def _reply_data(self, reply: Reply) -> ReplyData:
        try:
            message = decode_client_message(reply.parts, self.config.limits)
            if isinstance(message, DataReply):
                return message.data
            if isinstance(message, ArrayReply):
                return decode_frame(message, limits=self.config.limits)
        except WireError as exc:
            self._bad_reply(exc)
        return None

    def _abandon_in_flight(self) -> None:
        self._drop(len(self._in_flight))
        self._in_flight.clear()
        self._link.reset()
        if self._h264 is not None:
            self._h264.reconnected()

    def _fail(self, why: str) -> None:
        """One failed exchange; while the hub stays away, one more per request_timeout."""
        now = time.monotonic()
        if not self._reachable and now - self._last_failure < self.config.request_timeout:
            return
        self._reachable = False
        self._last_failure = now
        self._failures += 1
        refused = self._link.handshake_failure()
        log.warning("hub at %s unreachable (%s)", self._link.where, refused or why)
        if self._budget.failure():
            raise PeerTimeout(
                f"hub at {self._link.where} did not answer {self._budget.consecutive} "
                f"time(s) in a row (max_retries={self.config.max_retries})"
            )

    # -- closing ----------------------------------------------------------------------

    def close(self) -> None:
        """Flush, say goodbye, and release the socket; returns within ``close_timeout``."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + self.config.close_timeout
        goodbye = encode_server_message(EndOfStream(port=self._port))
        try:
            if isinstance(self._link, RequestLink):
                self._close_request(goodbye, deadline)
            elif self._reachable and self._link.wait_ready(0.0):
                self._close_publish(self._link, goodbye, deadline)
        except (TransportError, WireError) as exc:
            log.warning("error while closing: %s", exc)
        finally:
            self._link.close()

    def _close_publish(self, link: PublishLink, goodbye: list[Payload], deadline: float) -> None:
        if not link.send_final(goodbye, max(0.0, deadline - time.monotonic())):
            log.warning("the end-of-stream message may not have reached the hub")

    def _close_request(self, goodbye: list[Payload], deadline: float) -> None:
        # The goodbye leaves at once, right behind the frames awaiting acknowledgement
        # on the same ordered connection, rather than after their acknowledgements: a
        # hub holding this server back while its consumer catches up (lossless)
        # reads, and so acknowledges, its messages only in turn, which can take
        # longer than close_timeout.
        link = self._requests
        tag = self._seq
        tracker = link.send_tracked(goodbye, tag=tag) if self._reachable else None
        if tracker is None:
            if self._reachable:
                log.warning("the end of the stream could not be sent: no hub is connected")
            self._give_up_in_flight()
            return
        self._in_flight.append(tag)
        reply: Reply | HubLost | None = None
        while self._in_flight:
            reply = self._next_reply(deadline)
            if not isinstance(reply, Reply):
                break
            if reply.tag == tag or (reply.tag is None and self._in_flight[0] == tag):
                self._in_flight.clear()  # the goodbye's answer: all is confirmed
                return
            self._match(reply)
        self._in_flight.remove(tag)
        lost = reply is HUB_LOST
        # With IMMEDIATE, a writable socket is one with a hub's connection attached.
        if not (tracker.done and (lost or link.wait_ready(0.0))):
            log.warning("the end of the stream may not have reached the hub")
            self._give_up_in_flight()
            return
        # It left this process over a connection the hub had open: the hub has it,
        # or reads up to it in turn, or closed right after it (as a hub does once
        # every server has ended). Not a loss to report; frames before it that were
        # not acknowledged stay counted as in flight rather than dropped.
        log.info(
            "closed before the hub confirmed the end of the stream%s, which was sent to it; %s",
            f" and {len(self._in_flight)} frame(s)" if self._in_flight else "",
            "the hub's connection then closed" if lost else "the hub had not answered yet",
        )

    def _give_up_in_flight(self) -> None:
        if self._in_flight:
            log.warning("%d frame(s) were not acknowledged before close", len(self._in_flight))
            self._drop(len(self._in_flight))
            self._in_flight.clear()
