"""Fan-out: one hub republishing its servers' frames to subscriber processes.

    python -m benchmarks.fanout [--servers 8] [--subscribers 4] [--codec jpeg|raw]
        [--size 640x480] [--fps 30] [--seconds 10] [--warmup 3] [--decode]

Each run starts a hub (``HubConfig(publish=...)``, its own consumer taking every
frame without decoding it, as a recorder or the web viewer would), the
subscribers (each takes every camera), then the servers, each sending
``--fps`` frames a second. After ``--warmup`` seconds the window of ``--seconds``
is measured: the hub process's CPU (all its threads), and per subscriber the
frames/s it took, the p99 age of a frame when ``recv()`` returned (its time
minus the stamp the server took just before sending) and the frames it lost.
Runs are made with 0, 1 and ``--subscribers`` subscribers, so the table shows
what each subscriber costs the hub. ``--decode`` makes each subscriber decode
its frames (JPEG on its own cores) as an analysis process would.

Processes come from the suite's fork server (``benchmarks.suite.processes``), so
each starts with a fresh heap and dies with this one. The results are printed and
written to ``benchmarks/results/fanout-<time>.json`` beside a ``.log`` of the
children's output.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.frames import make_frames
from benchmarks.suite.processes import Flock, cpu_seconds, memory_budget
from benchmarks.suite.runner import free_ports

RESULTS = Path(__file__).resolve().parent / "results"
#: Longest a run waits for a child's answer beyond its own window.
_SLACK = 30.0


@dataclass(frozen=True)
class Plan:
    servers: int
    codec: str
    size: tuple[int, int]
    fps: float
    seconds: float
    warmup: float
    decode: bool


def hub_main(ports: Sequence[int], publish: int, ready: Connection) -> None:
    from framehub import Hub, HubConfig, Lifetime

    config = HubConfig(
        ports=tuple(ports),
        address="127.0.0.1",
        publish=f"tcp://127.0.0.1:{publish}",
        lifetime=Lifetime.SERVICE,
        decode=False,
    )
    with Hub(config) as hub:
        ready.send("bound")
        for _ in hub:
            pass


def subscriber_main(publish: int, start: float, end: float, plan: Plan, out: Connection) -> None:
    from framehub import PeerTimeout, Subscriber, SubscriberConfig

    config = SubscriberConfig(hubs=(f"tcp://127.0.0.1:{publish}",), decode=plan.decode)
    ages: list[float] = []
    with Subscriber(config=config) as subscriber:
        out.send("subscribed")
        while (now := time.time()) < end:
            try:
                frame = subscriber.recv(timeout=min(0.25, end - now))
            except PeerTimeout:
                continue
            if frame is None:
                break
            taken = time.time()
            if taken >= start and frame.sent_at is not None:
                ages.append(taken - frame.sent_at)
        lost = sum(s.dropped for s in subscriber.status())
    out.send({"frames": len(ages), "ages": ages, "dropped": lost})


def server_main(port: int, index: int, plan: Plan) -> None:
    from framehub import JpegConfig, Sender, SenderConfig

    frames = make_frames(*plan.size, seed=index)
    jpeg = JpegConfig() if plan.codec == "jpeg" else None
    config = SenderConfig(port=port, address="127.0.0.1", jpeg=jpeg, name=f"cam{index}")
    with Sender(config) as sender:
        begin = time.monotonic()
        sent = 0
        while True:
            sender.send(frames[sent % len(frames)])
            sent += 1
            time.sleep(max(0.0, begin + sent / plan.fps - time.monotonic()))


def measure(plan: Plan, subscribers: int, log: Path) -> dict[str, Any]:
    """One run with ``subscribers`` subscribers: the hub's CPU and each one's figures."""
    *ports, publish = free_ports(plan.servers + 1)
    with Flock(log, memory_budget()) as flock:
        ready, told = Pipe()
        hub = flock.start(hub_main, ports, publish, told)
        if not ready.poll(_SLACK):
            raise TimeoutError("the hub did not bind")
        ready.recv()
        settle = 2.0 + 0.3 * subscribers  # their connections, before any frame is due
        start = time.time() + settle + plan.warmup
        end = start + plan.seconds
        answers = []
        for _ in range(subscribers):
            answer, out = Pipe()
            flock.start(subscriber_main, publish, start, end, plan, out)
            answers.append(answer)
        for answer in answers:
            if not answer.poll(_SLACK):
                raise TimeoutError("a subscriber did not start")
            answer.recv()
        for index, port in enumerate(ports):
            flock.start(server_main, port, index, plan)
        time.sleep(max(0.0, start - time.time()))
        stat = f"/proc/{hub.pid}/stat"
        cpu_before = cpu_seconds(stat)
        time.sleep(max(0.0, end - time.time()))
        hub_cpu = (cpu_seconds(stat) - cpu_before) / plan.seconds
        results = [flock.await_message(answer, hub, _SLACK) for answer in answers]
    rows = []
    for result in results:
        ages = sorted(result["ages"])
        p99 = ages[min(len(ages) - 1, int(0.99 * len(ages)))] if ages else None
        rows.append(
            {
                "fps": round(result["frames"] / plan.seconds, 1),
                "age_ms_p50": None if not ages else round(statistics.median(ages) * 1000, 1),
                "age_ms_p99": None if p99 is None else round(p99 * 1000, 1),
                "dropped": result["dropped"],
            }
        )
    return {"subscribers": subscribers, "hub_cpu_cores": round(hub_cpu, 3), "each": rows}


def report(plan: Plan, runs: list[dict[str, Any]]) -> str:
    offered = plan.servers * plan.fps
    lines = [
        f"fan-out: {plan.servers} servers x {plan.fps:g} fps {plan.codec} "
        f"{plan.size[0]}x{plan.size[1]} ({offered:g} frames/s offered), window "
        f"{plan.seconds:g} s, subscribers {'decode' if plan.decode else 'do not decode'}",
        "subscribers  hub CPU (cores)  per subscriber: frames/s, p50/p99 age ms, lost",
    ]
    for run in runs:
        each = "; ".join(
            f"{r['fps']:g}, {r['age_ms_p50']}/{r['age_ms_p99']}, {r['dropped']}"
            for r in run["each"]
        )
        lines.append(f"{run['subscribers']:>11}  {run['hub_cpu_cores']:>15.3f}  {each or '-'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=8)
    parser.add_argument("--subscribers", type=int, default=4)
    parser.add_argument("--codec", choices=["jpeg", "raw"], default="jpeg")
    parser.add_argument("--size", default="640x480", help="WxH")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--decode", action="store_true")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    plan = Plan(
        args.servers, args.codec, (width, height), args.fps, args.seconds, args.warmup, args.decode
    )
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"fanout-{time.strftime('%Y%m%d-%H%M%S')}"
    counts = sorted({0, 1, args.subscribers})
    runs = []
    for count in counts:
        runs.append(measure(plan, count, stem.with_suffix(".log")))
        print(report(plan, runs).splitlines()[-1], flush=True)
    text = report(plan, runs)
    stem.with_suffix(".json").write_text(json.dumps({"plan": asdict(plan), "runs": runs}))
    print(f"\n{text}\nwritten to {stem.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
