"""Flow control as plain logic: the consumer's pace, and what the hub lets wait for it."""

from __future__ import annotations

import pytest

from framehub.session import AWAY_SECONDS, FlowControl, Pace, Policy

SERVERS = ("a", "b", "c", "d")


def flow(policy=Policy.LOSSLESS, queue_size=8, window_budget=8, replies=True):
    return FlowControl(policy, queue_size, window_budget=window_budget, replies=replies, now=0.0)


def keep_up(control: FlowControl, start: float, seconds: float, period=1 / 30) -> float:
    """Servers at 30 fps each into a consumer that takes every frame as it arrives."""
    now = start
    while now < start + seconds:
        for source in SERVERS:
            control.offered(source, waiting=False, nbytes=1000, now=now)
            control.acknowledged(source, now)
            control.taken(source, now + 0.001, ready=False)  # it waited for each
        now += period
    return now


def lag(control: FlowControl, start: float, seconds: float, turn=0.04, refill=0.002) -> float:
    """A consumer taking ``turn`` s a frame, round robin; each server's next frame
    arrives ``refill`` s after its acknowledgement (it was waiting in send())."""
    now = start
    while now < start + seconds:
        for source in SERVERS:
            control.taken(source, now, ready=True)  # never waits
            control.acknowledged(source, now)
            control.offered(source, waiting=not control.plan.credit, nbytes=1000, now=now + refill)
            now += turn
    return now


def test_a_hub_starts_as_if_its_consumer_were_behind():
    lossless = flow()
    assert lossless.plan.pace is Pace.BEHIND
    # Credit from the first frame, until the consumer is measured.
    assert (lossless.plan.window, lossless.plan.queue_limit, lossless.plan.credit) == (1, 2, True)
    latest = flow(Policy.LATEST)
    # Two until measured, so that a consumer keeping up loses nothing to a hiccup.
    assert (latest.plan.queue_limit, latest.plan.credit, latest.plan.decode_ahead) == (
        2,
        False,
        False,
    )


def test_a_consumer_seen_keeping_up_gets_the_whole_queue_and_no_credit():
    control = flow()
    now = keep_up(control, 0.0, 0.25)
    assert control.tick(now, streaming=4, queued=0)
    # One step at a time: first credit ends, then the hub widens.
    assert (control.plan.pace, control.plan.credit) == (Pace.BEHIND, False)
    now = keep_up(control, now, 0.25)
    assert control.tick(now, streaming=4, queued=0)
    plan = control.plan
    assert plan.pace is Pace.KEEPING_UP
    assert (plan.queue_limit, plan.window, plan.credit, plan.decode_ahead) == (8, None, False, True)


def test_a_slow_consumer_gets_credit_on_take_and_keeps_it():
    control = flow()
    now = keep_up(control, 0.0, 0.25)
    control.tick(now, streaming=4, queued=0)
    # Acknowledged on arrival, the frames now find their server's last one queued.
    for _ in range(3):
        now = lag(control, now, 0.25)
        control.tick(now, streaming=4, queued=4)
    plan = control.plan
    assert plan.pace is Pace.BEHIND
    assert (plan.window, plan.queue_limit, plan.credit) == (1, 2, True)
    # Under credit no frame finds another of its server queued: the ratio of the
    # consumer's round to the servers' refill keeps it behind.
    for _ in range(4):
        now = lag(control, now, 0.25)
        assert not control.tick(now, streaming=4, queued=4)
    assert control.plan.credit


def test_no_credit_when_the_consumer_round_is_close_to_the_refill_time():
    """Flat out into a fast consumer the early acknowledgement keeps it fed."""
    control = flow()
    now = 0.0
    for _ in range(3):
        now = lag(control, now, 0.25, turn=0.0005, refill=0.0015)
        control.tick(now, streaming=4, queued=4)
    # Its frames do wait behind others (it is behind: one frame in flight each), but
    # they are acknowledged on arrival.
    assert control.plan.pace is Pace.BEHIND
    assert not control.plan.credit


def test_a_consumer_that_takes_nothing_is_away_not_behind():
    control = flow()
    now = lag(control, 0.0, 0.5)
    control.tick(now, streaming=4, queued=4)
    assert control.plan.credit
    now += AWAY_SECONDS
    assert control.tick(now, streaming=4, queued=4)
    plan = control.plan
    assert plan.pace is Pace.AWAY
    assert (plan.credit, plan.queue_limit) == (False, 8)  # servers go on; nothing lost
    # It comes back: one take and it is no longer away.
    control.taken("a", now + 0.01, ready=True)
    control.tick(now + 0.25, streaming=4, queued=4)
    assert control.plan.pace is not Pace.AWAY


def test_an_idle_hub_with_nothing_queued_is_not_away():
    control = flow()
    control.tick(10.0, streaming=0, queued=0)
    assert control.plan.pace is not Pace.AWAY


def test_latest_keeps_only_the_newest_while_behind_or_away():
    control = flow(Policy.LATEST)
    now = lag(control, 0.0, 0.5)
    control.tick(now, streaming=4, queued=4)
    assert (control.plan.pace, control.plan.queue_limit) == (Pace.BEHIND, 1)
    control.tick(now + 1.0, streaming=4, queued=4)
    assert (control.plan.pace, control.plan.queue_limit) == (Pace.AWAY, 1)


def test_pattern_2_and_bidirectional_hubs_never_defer_or_advise():
    control = flow(replies=False, window_budget=None)
    assert not control.plan.credit and control.plan.window is None
    now = lag(control, 0.0, 0.5)
    control.tick(now, streaming=4, queued=4)
    assert not control.plan.credit and control.plan.window is None


@pytest.mark.parametrize("queue_size", [1, 2, 8])
def test_no_limit_exceeds_the_configured_queue(queue_size):
    control = flow(queue_size=queue_size)
    assert control.plan.queue_limit <= queue_size
    now = 0.0
    for _ in range(2):
        now = keep_up(control, now, 0.25)
        control.tick(now, streaming=4, queued=0)
    assert control.plan.queue_limit == queue_size


def test_under_credit_a_consumer_that_waits_for_frames_is_keeping_up():
    control = flow()
    now = lag(control, 0.0, 0.5)
    control.tick(now, streaming=4, queued=4)
    assert control.plan.credit
    for _ in range(2):
        now = keep_up(control, now, 0.25)
        control.tick(now, streaming=4, queued=0)
    assert control.plan.pace is Pace.KEEPING_UP and not control.plan.credit


def test_a_server_descheduled_for_a_moment_does_not_end_credit():
    """The median refill, not the mean: one slow refill is a hiccup, not a verdict."""
    control = flow()
    now = lag(control, 0.0, 0.5)
    control.tick(now, streaming=4, queued=4)
    control.acknowledged("a", now)
    control.offered("a", waiting=False, nbytes=1000, now=now + 1.0)  # one 1 s refill
    now = lag(control, now, 0.25)
    control.tick(now, streaming=4, queued=4)
    assert control.plan.credit


def test_latest_at_saturation_keeps_its_queue_and_decodes_ahead():
    """A consumer taking a frame every millisecond is the hub decoding flat out: there
    dropping all but the newest only wastes the servers' and the hub's work."""
    control = flow(Policy.LATEST)
    now = 0.0
    for _ in range(2):
        now = lag(control, now, 0.25, turn=0.001)
        control.tick(now, streaming=4, queued=4)
    assert control.plan.pace is Pace.BEHIND
    assert (control.plan.queue_limit, control.plan.decode_ahead) == (8, True)
    for _ in range(2):  # a detector taking 40 ms a frame: only the newest waits
        now = lag(control, now, 0.25, turn=0.04)
        control.tick(now, streaming=4, queued=4)
    assert (control.plan.queue_limit, control.plan.decode_ahead) == (1, False)
