"""The viewer page in headless Chromium during a demo run: live tiles, a killed server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from typing import Any

import cv2
import numpy as np
import pytest

from support import free_ports

from .viewing import all_streaming, framehub, stop, viewer_url, wait_for_status

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)"),
]
# Flags that let Chromium start as root on a machine without a network or GPU.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVERS = 3


def _decode(png: bytes) -> np.ndarray[Any, Any]:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _crop(image: np.ndarray[Any, Any], box: dict[str, float]) -> np.ndarray[Any, Any]:
    x, y = int(box["x"]) + 2, int(box["y"]) + 2
    return image[y : y + int(box["height"]) - 4, x : x + int(box["width"]) - 4]


def _tile_states(page: Any) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            ".tile", "tiles => tiles.map(t => [t.dataset.server, t.dataset.state])"
        )
    )


def test_page_shows_live_tiles_and_a_killed_server_as_gone():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    port = free_ports(1)[0]
    # 20 fps over the 8-frame test pattern: a second apart, a tile is 4 frames on.
    demo = framehub(
        "demo", "--servers", str(SERVERS), "--fps", "20", "--resolution", "320x240",
        "--http", f"127.0.0.1:{port}",
    )  # fmt: skip
    try:
        base = viewer_url(demo)
        pids = {
            m.group(1): int(m.group(2))
            for line in demo.output
            if (m := re.match(r"\s+camera \d+: port (\d+), pid (\d+)", line))
        }
        assert len(pids) == SERVERS
        wait_for_status(base, all_streaming(SERVERS))
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1024, "height": 768})
                page.goto(base)
                page.wait_for_function(
                    f"""() => {{
                        const tiles = [...document.querySelectorAll('.tile')];
                        return tiles.length === {SERVERS} && tiles.every(t =>
                            t.dataset.state === 'streaming' &&
                            t.querySelector('img').naturalWidth > 0);
                    }}""",
                    timeout=20_000,
                )
                assert set(_tile_states(page)) == set(pids)

                boxes = [img.bounding_box() for img in page.locator(".tile img").all()]
                started = time.monotonic()
                before = _decode(page.screenshot())
                time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
                after = _decode(page.screenshot())
                for box in boxes:
                    assert box is not None
                    a, b = _crop(before, box), _crop(after, box)
                    assert a.std() > 10, "the tile shows no picture"
                    assert np.abs(a.astype(int) - b.astype(int)).mean() > 1, "frozen tile"

                victim = sorted(pids)[1]
                os.kill(pids[victim], signal.SIGKILL)
                page.wait_for_selector(
                    f'.tile[data-server="{victim}"][data-state="gone"]', timeout=20_000
                )
                badge = page.locator(f'.tile[data-server="{victim}"] .badge')
                assert badge.is_visible() and "GONE" in badge.inner_text()
                others = {s: v for s, v in _tile_states(page).items() if s != victim}
                assert set(others.values()) == {"streaming"}

                page.locator(f'.tile[data-server="{sorted(pids)[0]}"]').click()
                full = page.locator("#full img")
                full.wait_for(state="visible")
                page.wait_for_function("document.querySelector('#full img').naturalWidth === 320")
                page.keyboard.press("Escape")
                full.wait_for(state="hidden")
            finally:
                browser.close()
        assert stop(demo) == 1  # one camera did not make it to the end
        assert f"summary: {SERVERS - 1} of {SERVERS} camera(s) streaming" in demo.text()
    finally:
        demo.kill()


def test_page_names_servers_flags_a_shared_port_and_links_the_full_view():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    shared, named = (str(p) for p in free_ports(2))
    view = framehub(
        "view", "--address", "127.0.0.1", "--ports", shared, named, "--http", "127.0.0.1:0",
        "--no-table",
    )  # fmt: skip
    serve = ["serve", "--fps", "10", "--resolution", "320x240"]
    servers = []
    try:
        base = viewer_url(view)
        servers = [
            framehub(*serve, "--port", named, "--name", "door"),
            framehub(*serve, "--port", shared),
            framehub(*serve, "--port", shared),
        ]

        def ready(doc: dict[str, Any]) -> bool:
            rows = {row["id"]: row for row in doc["servers"]}
            return len(rows[shared].get("shared", [])) == 2 and rows[named]["state"] == "streaming"

        wait_for_status(base, ready)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1024, "height": 768})
                page.goto(base)
                page.wait_for_selector(f'.tile[data-server="{shared}"][data-shared="yes"]')
                badge = page.locator(f'.tile[data-server="{shared}"] .badge')
                assert badge.is_visible() and "PORT SHARED" in badge.inner_text()
                name = page.locator(f'.tile[data-server="{named}"] .name')
                assert name.inner_text() == f"door ({named})"
                assert (
                    page.locator(f'.tile[data-server="{named}"] .latency')
                    .inner_text()
                    .startswith("p50 ")
                )

                page.locator(f'.tile[data-server="{named}"]').click()
                page.wait_for_function(f"location.hash === '#server={named}'")
                page.keyboard.press("Escape")
                page.locator("#full").wait_for(state="hidden")
                assert page.evaluate("location.hash") == ""

                linked = browser.new_page(viewport={"width": 1024, "height": 768})
                linked.goto(f"{base}#server={named}")
                linked.locator("#full").wait_for(state="visible")
                caption = linked.locator("#full figcaption")
                assert caption.inner_text().startswith(f"door ({named})")
            finally:
                browser.close()
    finally:
        for child in [*servers, view]:
            stop(child)
