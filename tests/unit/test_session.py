"""The hub's bookkeeping, fed events and times by hand."""

from __future__ import annotations

import pytest

from framehub.session import (
    BEHIND_SHARE,
    DeliveryQueue,
    EventKind,
    Offer,
    Policy,
    RetryBudget,
    ServerState,
    ServerTable,
    consumer_behind,
    window_advice,
)
from framehub.session.window import FAST_BYTES_PER_SECOND


def kinds(events):
    return [(e.kind, e.source) for e in events]


def test_first_frame_joins_then_quiet_then_gone_once_disconnected_then_returns():
    table = ServerTable(["a"], quiet_after=1.0, gone_after=1.0)
    table.opened("a", 7)
    assert kinds(table.frame("a", 0.0, nbytes=10)) == [(EventKind.JOINED, "a")]
    assert table.tick(0.9) == []
    assert kinds(table.tick(1.0)) == [(EventKind.QUIET, "a")]
    assert table.tick(60.0) == []  # quiet but connected: not gone
    table.closed("a", 7, 61.0)
    assert table.tick(61.5) == []
    assert kinds(table.tick(62.0)) == [(EventKind.GONE, "a")]
    assert table.tick(70.0) == []
    assert kinds(table.frame("a", 71.0, nbytes=10)) == [(EventKind.RETURNED, "a")]
    assert table.snapshot(71.0)[0].state is ServerState.STREAMING


def test_a_sender_sharing_its_port_is_gone_after_its_silence_whatever_the_connections():
    table = ServerTable(["5566"], quiet_after=1.0, gone_after=1.0, silent_gone_after=5.0)
    table.opened("5555", 7)  # the shared port's connections say nothing about one sender
    assert kinds(table.frame("pi|1", 0.0, nbytes=10, name="pi|1", via="5555")) == [
        (EventKind.JOINED, "pi|1")
    ]
    assert kinds(table.tick(1.0)) == [(EventKind.QUIET, "pi|1")]
    assert table.tick(4.9) == []
    assert kinds(table.tick(5.0)) == [(EventKind.GONE, "pi|1")]
    assert kinds(table.frame("pi|1", 9.0, nbytes=10, name="pi|1", via="5555")) == [
        (EventKind.RETURNED, "pi|1")
    ]
    (row,) = table.snapshot(9.0)
    assert (row.source, row.via, row.label) == ("pi|1", "5555", "pi|1")


def test_a_quick_reconnect_is_not_gone():
    table = ServerTable(["a"], gone_after=1.0)
    table.opened("a", 7)
    table.frame("a", 0.0, nbytes=1)
    table.closed("a", 7, 1.0)
    table.opened("a", 8)
    assert kinds(table.tick(5.0)) == [(EventKind.QUIET, "a")]
    assert table.snapshot(5.0)[0].state is ServerState.QUIET


def test_another_connection_on_the_port_keeps_a_server_from_being_gone():
    table = ServerTable(["a"], gone_after=1.0)
    table.opened("a", 7)
    table.opened("a", 9)
    table.frame("a", 0.0, nbytes=1)
    table.closed("a", 7, 1.0)
    table.tick(5.0)
    assert table.snapshot(5.0)[0].state is ServerState.QUIET


def test_finished_only_when_every_seen_server_ended():
    table = ServerTable(["a", "b"], end_grace=1.0)
    assert not table.finished(0.0)
    table.frame("a", 0.0, nbytes=1)
    table.frame("b", 0.0, nbytes=1)
    table.ended("a", 1.0)
    assert not table.finished(5.0)
    table.ended("b", 2.0)
    assert table.finished(2.0)


def test_a_listed_server_that_never_came_gets_a_grace_period():
    table = ServerTable(["a", "b"], end_grace=1.0)
    table.frame("a", 0.0, nbytes=1)
    table.ended("a", 1.0)
    assert not table.finished(1.5)
    assert table.next_deadline(1.5) == pytest.approx(2.0)
    assert table.finished(2.0)


def test_gone_servers_end_the_stream_only_when_asked():
    for gone_ends in (False, True):
        table = ServerTable(["a"], gone_after=1.0, gone_ends=gone_ends)
        table.opened("a", 1)
        table.frame("a", 0.0, nbytes=1)
        table.closed("a", 1, 0.5)
        table.tick(5.0)
        assert table.finished(5.0) is gone_ends


def test_sequence_gaps_count_as_dropped_and_restarts_do_not():
    table = ServerTable(["a"])
    for seq in (0, 1, 4, 5):
        table.frame("a", 0.0, nbytes=1, seq=seq)
    assert table.snapshot(0.0)[0].dropped == 2
    table.frame("a", 0.0, nbytes=1, seq=0)  # the sender restarted
    assert table.snapshot(0.0)[0].dropped == 2


def test_rejected_garbage_is_counted_without_making_a_server():
    table = ServerTable(["a"])
    assert table.rejected("a") == 1
    assert table.rejected("a") == 2
    assert table.snapshot(0.0) == ()
    assert table.rejected_total() == 2
    assert not table.finished(100.0)


def test_frames_per_second_over_the_recent_window():
    table = ServerTable(["a"])
    for i in range(60):
        table.frame("a", i / 30, nbytes=1)
    assert table.snapshot(2.0)[0].fps == pytest.approx(30, rel=0.05)
    assert table.snapshot(10.0)[0].fps == 0.0


def test_lossless_queue_refuses_when_a_source_is_full_without_touching_others():
    queue: DeliveryQueue[int] = DeliveryQueue(2, Policy.LOSSLESS)
    assert queue.offer("a", 1) == (Offer.ACCEPTED, [])
    assert queue.offer("a", 2) == (Offer.ACCEPTED, [])
    assert queue.offer("a", 3) == (Offer.FULL, [])
    assert queue.offer("b", 10) == (Offer.ACCEPTED, [])
    assert list(queue.ahead(2)) == [1, 10]
    assert [queue.take(), queue.take(), queue.take(), queue.take()] == [
        ("a", 1),
        ("b", 10),
        ("a", 2),
        None,
    ]


def test_latest_queue_drops_the_sources_oldest_item():
    queue: DeliveryQueue[int] = DeliveryQueue(2, Policy.LATEST)
    queue.offer("a", 1)
    queue.offer("b", 10)
    queue.offer("a", 2)
    assert queue.offer("a", 3) == (Offer.ACCEPTED_DROPPING, [1])
    assert [queue.take() for _ in range(4)] == [("a", 2), ("b", 10), ("a", 3), None]


def test_retry_budget_counts_only_consecutive_failures():
    budget = RetryBudget(3)
    assert not budget.failure()
    assert not budget.failure()
    budget.success()
    assert not budget.failure()
    assert not budget.failure()
    assert budget.failure()
    assert not RetryBudget(None).failure()


def test_sources_take_turns_so_a_flooding_one_cannot_starve_the_others():
    queue: DeliveryQueue[int] = DeliveryQueue(4, Policy.LATEST)
    for i in range(100):  # "a" floods; its oldest items keep being dropped
        queue.offer("a", i)
        if i % 20 == 0:
            queue.offer("b", 1000 + i)
    order = [queue.take() for _ in range(len(queue))]
    assert order[0] == ("a", 96) and order[1] == ("b", 1020)
    assert [s for s, _ in order] == ["a", "b", "a", "b", "a", "b", "a", "b"]


def test_ahead_lists_items_in_the_order_they_will_be_taken():
    queue: DeliveryQueue[str] = DeliveryQueue(3, Policy.LOSSLESS)
    for item in ("a1", "a2", "a3"):
        queue.offer("a", item)
    queue.offer("b", "b1")
    assert list(queue.ahead(10)) == ["a1", "b1", "a2", "a3"]
    assert list(queue.ahead(2)) == ["a1", "b1"]
    assert [queue.take()[1] for _ in range(4)] == ["a1", "b1", "a2", "a3"]


def test_the_rate_estimate_keeps_bounded_memory_and_measures_fast_streams():
    table = ServerTable(["a"])
    for i in range(100_000):  # nobody asks for the rate for a long while
        table.frame("a", i / 3000, nbytes=1)
    record = table._records["a"]
    assert len(record.arrivals) <= 128
    now = 99_999 / 3000
    assert table.snapshot(now)[0].fps == pytest.approx(3000, rel=0.05)


def test_a_fast_hub_shares_its_budget_of_frames_in_flight_among_streaming_servers():
    fast = FAST_BYTES_PER_SECOND * 1.1
    assert window_advice(2, fast, advising=False, budget=8) == 4
    assert window_advice(8, fast, advising=False, budget=8) == 1
    assert window_advice(32, fast, advising=False, budget=8) == 1  # never below one
    assert window_advice(0, fast, advising=False, budget=8) is None


def test_below_the_rate_nothing_is_limited_and_advice_lifts_only_well_below_it():
    near = FAST_BYTES_PER_SECOND * 0.75
    assert window_advice(8, near, advising=False) is None  # not yet fast
    assert window_advice(8, near, advising=True) == 1  # already advising: keep it
    assert window_advice(8, FAST_BYTES_PER_SECOND * 0.4, advising=True) is None


def test_a_consumer_behind_is_asked_for_one_frame_in_flight_whatever_the_rate():
    assert window_advice(8, 0.0, behind=True, advising=False) == 1
    assert window_advice(2, FAST_BYTES_PER_SECOND * 1.1, behind=True, advising=False) == 1
    assert window_advice(0, 0.0, behind=True, advising=False) is None  # nobody streaming


def test_a_consumer_is_behind_from_half_its_frames_and_until_a_quarter():
    assert not consumer_behind(0.49, was_behind=False)
    assert consumer_behind(BEHIND_SHARE, was_behind=False)
    assert consumer_behind(0.3, was_behind=True)  # no flapping near the threshold
    assert not consumer_behind(0.2, was_behind=True)


def test_a_lowered_limit_holds_back_a_lossless_source_without_dropping():
    queue: DeliveryQueue[int] = DeliveryQueue(4, Policy.LOSSLESS)
    for i in range(4):
        queue.offer("a", i)
    queue.limit = 2
    assert queue.offer("a", 4) == (Offer.FULL, [])
    assert queue.offer("b", 10) == (Offer.ACCEPTED, [])
    assert [queue.take() for _ in range(3)] == [("a", 0), ("b", 10), ("a", 1)]
    assert queue.offer("a", 4) == (Offer.FULL, [])  # still two waiting
    assert queue.take() == ("a", 2)
    assert queue.offer("a", 4) == (Offer.ACCEPTED, [])
    assert [queue.take() for _ in range(3)] == [("a", 3), ("a", 4), None]


def test_a_lowered_limit_keeps_only_the_newest_under_the_latest_policy():
    queue: DeliveryQueue[int] = DeliveryQueue(3, Policy.LATEST)
    queue.limit = 1
    assert queue.offer("a", 0) == (Offer.ACCEPTED, [])
    assert queue.offer("a", 1) == (Offer.ACCEPTED_DROPPING, [0])
    assert queue.offer("a", 2) == (Offer.ACCEPTED_DROPPING, [1])
    assert [queue.take(), queue.take()] == [("a", 2), None]


def test_trim_drops_the_excess_at_once_keeping_each_sources_newest():
    queue: DeliveryQueue[int] = DeliveryQueue(8, Policy.LATEST)
    for i in range(5):
        queue.offer("a", i)
    queue.offer("b", 10)
    queue.limit = 1
    assert queue.trim() == [("a", 0), ("a", 1), ("a", 2), ("a", 3)]
    assert [queue.take() for _ in range(3)] == [("a", 4), ("b", 10), None]
    lossless: DeliveryQueue[int] = DeliveryQueue(8, Policy.LOSSLESS)
    for i in range(3):
        lossless.offer("a", i)
    lossless.limit = 1
    assert lossless.trim() == []  # nothing is ever dropped
    assert len(lossless) == 3


def test_frames_being_decoded_do_not_count_towards_the_latest_limit():
    queue: DeliveryQueue[list[int]] = DeliveryQueue(4, Policy.LATEST, precious=lambda x: x[1] == 1)
    queue.limit = 1
    queue.offer("a", [1, 1])  # being decoded: kept, and not counted
    queue.offer("a", [2, 0])
    assert queue.offer("a", [3, 0]) == (Offer.ACCEPTED_DROPPING, [[2, 0]])
    assert [queue.take(), queue.take(), queue.take()] == [("a", [1, 1]), ("a", [3, 0]), None]


@pytest.mark.parametrize("policy", list(Policy))
def test_a_queue_of_one_serves_every_source_once_a_turn(policy):
    """A queue of one emptied by a drop must not give its source a second turn."""
    queue: DeliveryQueue[int] = DeliveryQueue(1, policy)
    queue.offer("A", 1)
    queue.offer("B", 1)
    queue.offer("A", 2)
    taken = [queue.take(), queue.take(), queue.take()]
    if policy is Policy.LATEST:
        assert taken == [("A", 2), ("B", 1), None]
    else:
        assert taken == [("A", 1), ("B", 1), None]
    assert len(queue) == 0


def test_streaming_counts_only_servers_with_recent_frames():
    table = ServerTable(["a", "b", "c"], quiet_after=1.0)
    table.frame("a", 0.0, nbytes=1)
    table.frame("b", 0.5, nbytes=1)
    assert table.streaming() == 2
    table.tick(1.2)  # a turns quiet
    assert table.streaming() == 1


def test_two_senders_on_one_port_are_reported_once_and_count_no_false_drops():
    table = ServerTable(["5566"])
    events = []
    # Two framehub senders, each numbering its own frames, interleave on one port.
    for i in range(50):
        events += table.frame("5566", i * 0.01, nbytes=1, seq=1000 + i, sender="a/1", name="door")
        events += table.frame("5566", i * 0.01 + 0.005, nbytes=1, seq=i, sender="b/2")
    shared = [e for e in events if e.kind is EventKind.SHARED]
    assert len(shared) == 1
    assert "5566" in str(shared[0]) and "a/1 ('door')" in str(shared[0]) and "b/2" in str(shared[0])
    (status,) = table.snapshot(0.5)
    assert status.dropped == 0
    assert status.shared == ("a/1", "b/2")
    assert status.frames == 100


def test_a_restarted_sender_on_its_port_is_not_a_second_one():
    table = ServerTable(["5566"])
    events = []
    for i in range(10):
        events += table.frame("5566", i * 0.1, nbytes=1, seq=i, sender="cam/100")
    for i in range(10):
        events += table.frame("5566", 1.5 + i * 0.1, nbytes=1, seq=i, sender="cam/101")
    assert all(e.kind is not EventKind.SHARED for e in events)
    (status,) = table.snapshot(2.5)
    assert status.shared == () and status.dropped == 0


def test_a_shared_port_is_clear_again_once_one_sender_is_left_and_warned_again_later():
    table = ServerTable(["5566"])
    for t, sender in [(0.0, "a"), (0.1, "b"), (0.2, "a")]:
        table.frame("5566", t, nbytes=1, sender=sender)
    assert table.snapshot(0.3)[0].shared == ("a", "b")
    for i in range(12):
        table.frame("5566", 1.0 + i, nbytes=1, sender="a")
    assert table.snapshot(12.0)[0].shared == ()
    events = [*table.frame("5566", 12.5, nbytes=1, sender="b")]
    events += table.frame("5566", 12.6, nbytes=1, sender="a")
    assert [e.kind for e in events] == [EventKind.SHARED]


def test_a_server_is_shown_by_its_name_and_port():
    table = ServerTable(["5566", "5567"])
    table.frame("5566", 0.0, nbytes=1, name="door")
    table.frame("5567", 0.0, nbytes=1)
    door, other = table.snapshot(0.1)
    assert (door.label, door.name) == ("door (5566)", "door")
    assert (other.label, other.name) == ("5567", None)


def test_a_long_pause_of_the_only_sender_keeps_counting_its_gaps():
    table = ServerTable(["5566"])
    table.frame("5566", 0.0, nbytes=1, seq=0, sender="a")
    table.tick(30.0)
    table.frame("5566", 30.0, nbytes=1, seq=5, sender="a")
    assert table.snapshot(30.0)[0].dropped == 4
