"""Flow control: how many frames a hub lets wait, from what its consumer is doing.

Pure logic, fed events and the clock by the hub; it decides, it does nothing.

The consumer is one of three things (``Pace``):

- **keeping up**: frames seldom wait behind an earlier frame of their server. The
  hub holds up to ``queue_size`` frames per server, acknowledges a frame as soon as
  it is queued (so a server encodes its next frame while the hub works on this
  one: that overlap is what makes a few servers fast), and decodes JPEG ahead.
- **behind** (a detector, a display slower than its cameras): what waits only
  ages. Every framehub sender is asked for one frame in flight. Under "latest"
  only each server's newest frame waits (and nothing is decoded ahead, which
  would fix a frame's choice one consumer turn early), unless the consumer takes
  frames faster than ``SATURATED_TURN``: then the hub's own decoding is the
  bottleneck, and it keeps its queue and decodes ahead. Under "lossless" at most
  two frames per server wait, and once the consumer's round (the time between two
  of its takes of one server's frames) is ``CREDIT_RATIO`` times the time a server
  needs to send its next frame after an acknowledgement (its refill), a frame is
  acknowledged only when the consumer takes it (``credit``): each server then has
  one frame at the hub and one waiting in its ``send()``, about two rounds of age,
  where acknowledging on arrival let four rounds pass. (Asking senders for
  lock-step, ``send()`` returning only once its frame is taken, would make it one
  round; but a program that sends and receives on one thread would then wait in
  ``send()`` for a take that only it can make.) Below that ratio the early
  acknowledgement is what keeps the consumer fed, and it stays.
- **away**: frames are waiting and the consumer has taken none for
  ``AWAY_SECONDS`` (it is busy elsewhere, or not started). Servers must not wait
  for it: frames are acknowledged when queued, up to ``queue_size`` (lossless),
  and "latest" keeps only the newest, so a consumer that comes back never gets a
  backlog of stale frames.

A hub starts as if its consumer were behind (a "latest" hub keeping two frames a
server until it has measured), and widens once it is seen keeping up: starting
wide filled every queue before the first measurement, and those frames were the
oldest of the run.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from enum import StrEnum

from .delivery import Policy
from .window import BEHIND_QUEUE, consumer_behind, window_advice

__all__ = ["AWAY_SECONDS", "CREDIT_RATIO", "SATURATED_TURN", "FlowControl", "FlowPlan", "Pace"]

#: A consumer that has taken nothing for this long while frames wait is away. Well
#: under a sender's request timeout (4 s by default, vidgear's and framehub's): a
#: server waiting for an acknowledgement that long gives the hub up.
AWAY_SECONDS = 0.5
#: Acknowledge on take once the consumer's round is this many times a server's
#: refill time; stop below half of it (no flapping). At 4 x 30 fps into a consumer
#: taking 40 ms a frame the ratio is 5-160; flat out into a fast consumer, 1-2.
CREDIT_RATIO = 4.0
#: A consumer that takes frames waiting for it faster than one every this many seconds
#: is not a slow application but the hub's own receiving and decoding at full speed
#: (servers flat out): there "latest" keeps ``queue_size`` frames a server and decodes
#: ahead, as when keeping up. Dropping every frame but the newest there cost 40% of the
#: raw frames/s of 2 flat-out servers, and decoding on the consumer's thread alone a
#: third of the JPEG ones; the slow consumers it is for take one every 40-100 ms.
SATURATED_TURN = 0.01


class Pace(StrEnum):
    """What the consumer is doing, as far as the hub can tell."""

    KEEPING_UP = "keeping up"
    BEHIND = "behind"
    AWAY = "away"


@dataclass(frozen=True, slots=True)
class FlowPlan:
    """What the hub does while the consumer keeps its ``pace``."""

    pace: Pace
    #: Frames each server may have waiting in the hub's queue.
    queue_limit: int
    #: Frames in flight asked of framehub senders; None: no limit asked.
    window: int | None
    #: Lossless: acknowledge a frame when the consumer takes it, not when it is queued.
    credit: bool
    #: Start decoding JPEG frames before the consumer asks for them.
    decode_ahead: bool


@dataclass(slots=True)
class _Tally:
    """What happened since the last tick."""

    offers: int = 0
    waiting: int = 0
    nbytes: int = 0
    takes: int = 0
    ready: int = 0
    #: Time between two takes of the consumer, any servers.
    turns: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)
    refills: list[float] = field(default_factory=list)

    def ratio(self) -> float | None:
        """The consumer's median round over the servers' median refill; None: not
        measured. Medians: a server descheduled for a moment must not look slow."""
        if not (self.rounds and self.refills):
            return None
        refill = statistics.median(self.refills)
        return float("inf") if refill <= 0 else statistics.median(self.rounds) / refill


class FlowControl:
    """Decides the hub's ``FlowPlan`` from the frames offered, acknowledged and taken.

    ``window_budget`` (None: never advise) is shared among the servers of a hub
    taking in more than a fast network carries (see ``session.window``).
    """

    def __init__(
        self,
        policy: Policy,
        queue_size: int,
        *,
        window_budget: int | None,
        replies: bool = True,
        now: float,
    ) -> None:
        """``replies``: whether frames are acknowledged at all (not in pattern 2)."""
        self.policy = policy
        self.queue_size = queue_size
        self.window_budget = window_budget
        self._tally = _Tally()
        self._tick_at = now
        self._last_take = now
        self._last_taken: dict[str, float] = {}
        self._replied_at: dict[str, float] = {}
        self._replies = replies
        self._credit = replies and policy is Policy.LOSSLESS
        self._advising = False
        #: Whether a tick has seen frames: until then a "latest" hub keeps two frames a
        #: server, not one, so that a hiccup of a consumer that does keep up (a
        #: collection, a busy moment at start) does not cost it frames.
        self._measured = False
        #: Whether the consumer takes frames as fast as the hub can decode them (see
        #: ``SATURATED_TURN``).
        self._saturated = False
        self.plan = self._plan(Pace.BEHIND, window=None if window_budget is None else 1)

    # -- events ---------------------------------------------------------------------

    def offered(
        self, source: str, *, waiting: bool, nbytes: int, now: float, first: bool = False
    ) -> None:
        """A frame of ``source`` arrived; ``waiting``: an earlier one of its server was
        still queued (or it was refused: its queue was full); ``first``: nothing at all
        was queued (the consumer is not late for anything yet)."""
        if first:
            self._last_take = max(self._last_take, now)
        tally = self._tally
        tally.offers += 1
        tally.waiting += waiting
        tally.nbytes += nbytes
        replied = self._replied_at.pop(source, None)
        if replied is not None:
            tally.refills.append(now - replied)

    def acknowledged(self, source: str, now: float) -> None:
        """An acknowledgement left for ``source``: its next frame may come."""
        self._replied_at[source] = now

    def taken(self, source: str, now: float, *, ready: bool) -> None:
        """The consumer took a frame of ``source``; ``ready``: it was there when asked
        for (the consumer did not wait for it)."""
        tally = self._tally
        if ready:
            tally.turns.append(now - self._last_take)
        self._last_take = now
        tally.takes += 1
        tally.ready += ready
        previous = self._last_taken.get(source)
        self._last_taken[source] = now
        if previous is not None:
            tally.rounds.append(now - previous)

    def forget(self, source: str) -> None:
        """``source`` ended or is gone: its last take is no round's start."""
        self._last_taken.pop(source, None)
        self._replied_at.pop(source, None)

    # -- decisions --------------------------------------------------------------------

    def tick(self, now: float, *, streaming: int, queued: int) -> bool:
        """Decide the plan for the next tick; True if it changed."""
        tally, self._tally = self._tally, _Tally()
        elapsed = max(now - self._tick_at, 1e-9)
        self._tick_at = now
        was = self.plan
        pace = self._pace(now, tally, queued)
        if tally.turns:
            self._saturated = statistics.median(tally.turns) < SATURATED_TURN
        self._measured = self._measured or bool(tally.offers)
        window = None
        if self.window_budget is None:
            pass
        elif pace is not Pace.KEEPING_UP:
            # One frame in flight from the first frame on: a sender's first
            # acknowledgement must already say so, or its window fills the link.
            window = 1
        else:
            window = window_advice(
                streaming,
                tally.nbytes / elapsed,
                advising=self._advising,
                budget=self.window_budget,
            )
            self._advising = window is not None
        self.plan = self._plan(pace, window)
        return self.plan != was

    def _pace(self, now: float, tally: _Tally, queued: int) -> Pace:
        if queued and now - self._last_take >= AWAY_SECONDS:
            self._credit = False
            return Pace.AWAY
        was_behind = self.plan.pace is not Pace.KEEPING_UP
        if self._credit and tally.takes:
            # Under credit no frame finds an earlier one of its server queued (the
            # server waits for the take): a consumer behind is one that finds a frame
            # ready whenever it asks. One that waits for frames leaves credit but
            # stays behind for a tick: servers slowed by a busy machine look just the
            # same, and a hub that widened at once let a backlog of rounds build.
            if not consumer_behind(tally.ready / tally.takes, was_behind=True):
                self._credit = False
                return Pace.BEHIND
            behind = True
        elif tally.offers and not self._credit:
            behind = consumer_behind(tally.waiting / tally.offers, was_behind=was_behind)
        else:
            behind = was_behind  # nothing learnt
        ratio = tally.ratio()
        if not behind:
            self._credit = False
        elif self._replies and self.policy is Policy.LOSSLESS and ratio is not None:
            self._credit = ratio >= (CREDIT_RATIO / 2 if self._credit else CREDIT_RATIO)
        return Pace.BEHIND if behind else Pace.KEEPING_UP

    def _plan(self, pace: Pace, window: int | None) -> FlowPlan:
        lossless = self.policy is Policy.LOSSLESS
        if pace is Pace.KEEPING_UP:
            return FlowPlan(pace, self.queue_size, window, credit=False, decode_ahead=True)
        if pace is Pace.AWAY:
            limit = self.queue_size if lossless else 1
        elif lossless:
            limit = BEHIND_QUEUE
        elif self._saturated:
            # Servers flat out into a hub that is itself the bottleneck: every frame
            # dropped was an encode and a receive taken from the frames that get
            # through, and decoding on the workers is what keeps both cores busy.
            return FlowPlan(pace, self.queue_size, window, credit=False, decode_ahead=True)
        else:
            limit = BEHIND_QUEUE if not self._measured else 1
        return FlowPlan(
            pace,
            min(limit, self.queue_size),
            window,
            credit=lossless and self._credit and pace is Pace.BEHIND,
            decode_ahead=lossless,
        )
