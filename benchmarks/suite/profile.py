"""Profile one peer's client on one cell: the CPU of each of its threads (libzmq's
included), py-spy (Python frames of busy threads) and, where installed, ``perf``
(native code and the kernel).

    python -m benchmarks.suite profile --only kind=throughput pattern=1 codec=raw \\
        size=640x480 servers=2 --peer framehub --seconds 10

Writes the raw profiles beside the results and prints where the client's CPU goes.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .cells import Cell, timing
from .processes import cpu_seconds
from .runner import Session, run_once

__all__ = ["profile"]

_TOP = 25


def _threads(pid: int) -> dict[int, tuple[str, float]]:
    """Each thread of ``pid``: its name and CPU seconds so far."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
        except OSError:
            continue
        out[int(task.name)] = (name, cpu_seconds(str(task / "stat")))
    return out


def _thread_split(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], seconds: float
) -> str:
    rows = sorted(
        ((cpu - before.get(tid, (name, 0.0))[1], tid, name) for tid, (name, cpu) in after.items()),
        reverse=True,
    )
    lines = [f"CPU by thread over {seconds:.0f} s (% of one core; python threads by py-spy id)"]
    lines += [f"  {100 * cpu / seconds:5.1f}%  {tid:>7}  {name}" for cpu, tid, name in rows if cpu]
    return "\n".join(lines)


def _pyspy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy")
    if exe is None:
        print("py-spy is not installed (pip install py-spy): no Python profile")
        return None
    return subprocess.Popen(
        [
            *(exe, "record", "--pid", str(pid), "--duration", str(int(seconds))),
            # Only the thread holding the GIL: py-spy otherwise counts threads blocked
            # in poll() or a Condition as busy. perf covers native code and the kernel.
            *("--rate", "250", "--threads", "--gil", "--nonblocking"),
            *("--format", "raw", "--output", str(out)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=out.with_suffix(".log").open("w"),
    )


def _perf(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("perf")
    if exe is None:
        return None
    return subprocess.Popen(
        [
            exe,
            "record",
            "-g",
            "-F",
            "499",
            "-p",
            str(pid),
            "-o",
            str(out),
            "--",
            "sleep",
            str(seconds),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _summarise_pyspy(raw: Path) -> str:
    """Collapsed stacks (``thread;frame;frame N``) to self time per function and per thread."""
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        threads[frames[0]] += n
        own[frames[-1]] += n
    if not total:
        return "py-spy: no samples"
    lines = [f"py-spy: {total} samples of the thread holding the GIL"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in threads.most_common()]
    lines.append(f"top {_TOP} functions by own samples:")
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(_TOP)]
    return "\n".join(lines)


def _perf_report(data: Path, sort: str, limit: float) -> list[str]:
    report = subprocess.run(
        [
            *("perf", "report", "-i", str(data), "--stdio", "--no-children"),
            *("--sort", sort, "--percent-limit", str(limit), "-g", "none"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return [line for line in report.stdout.splitlines() if line and not line.startswith("#")]


def _summarise_perf(data: Path) -> str:
    return "\n".join(
        [
            "perf: the process's CPU by library (kernel included)",
            *_perf_report(data, "dso", 0.5),
            f"perf: top {_TOP} symbols",
            *_perf_report(data, "dso,sym", 0.3)[:_TOP],
        ]
    )


def profile(
    cell: Cell, peer: str, seconds: float, out_dir: Path, session: Session, server: bool = False
) -> str:
    """Run ``peer`` on ``cell`` with a window of ``seconds`` and profile its client (or,
    with ``server``, its first server)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = out_dir / f"profile-{stamp}-{peer}-{'server' if server else 'client'}"
    spy_out, perf_out = base.with_suffix(".pyspy.txt"), base.with_suffix(".perf.data")
    run_timing = replace(timing(cell, quick=False), window=seconds + 2.0)
    tools: list[subprocess.Popen[bytes]] = []
    split: list[str] = []

    def attach(client: int, servers: list[int]) -> None:
        # Started once the servers are: the profile covers streaming, not start-up.
        pid = servers[0] if server else client
        tools.extend(p for p in (_pyspy(pid, seconds, spy_out), _perf(pid, seconds, perf_out)) if p)
        before = _threads(pid)

        def after() -> None:
            split.append(_thread_split(before, _threads(pid), seconds))

        timer = threading.Timer(seconds, after)
        timer.daemon = True
        timer.start()

    try:
        result = run_once(peer, cell, session, run_timing, attach)
    finally:
        for tool in tools:
            try:
                tool.wait(seconds + 30)
            except subprocess.TimeoutExpired:
                tool.kill()
    role = "server 0" if server else "client"
    parts = [f"profile of the {peer} {role} on {cell.key}: {result}", *split]
    if spy_out.exists():
        parts.append(_summarise_pyspy(spy_out))
    if perf_out.exists():
        parts.append(_summarise_perf(perf_out))
    parts.append(f"raw profiles: {base}.*")
    return "\n\n".join(parts)
