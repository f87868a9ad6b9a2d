"""`framehub demo` and `framehub serve` as a user runs them: real processes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)


def framehub(*args: str, timeout: float = 45) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "framehub", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_demo_streams_every_camera_and_exits_zero():
    done = framehub("demo", "--servers", "2", "--seconds", "3", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["streaming"] == 2
    for row in summary["servers"]:
        assert row["frames"] > 30  # 30 fps for 3 s, minus start-up
        assert 20 < row["fps"] < 40
        assert row["latency_ms_p50"] < 100
        assert row["message"].startswith("camera ")


def test_bad_arguments_give_one_line_and_exit_code_two():
    done = framehub("demo", "--resolution", "big")
    assert done.returncode == 2
    assert "WIDTHxHEIGHT" in done.stderr and "Traceback" not in done.stderr
