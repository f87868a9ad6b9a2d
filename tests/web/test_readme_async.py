"""The README's aiohttp example, run as written: a camera's newest JPEG over HTTP."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import aiohttp
import numpy as np
import pytest
import simplejpeg
from aiohttp import web

from framehub import Sender, SenderConfig
from support import free_ports

pytestmark = pytest.mark.timeout(30)

README = Path(__file__).parents[2] / "README.md"


def readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    (block,) = [b for b in blocks if "/api/latest/" in b]
    return block


def test_the_readme_aiohttp_example_serves_a_cameras_latest_jpeg():
    ports = free_ports(2)
    code = readme_example().replace("(5566, 5567)", f"({ports[0]}, {ports[1]})")
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)
    app: web.Application = namespace["app"]
    image = np.full((48, 64, 3), 120, np.uint8)
    stop = threading.Event()

    def camera() -> None:
        config = SenderConfig(port=ports[0], address="127.0.0.1", name="door")
        with Sender(config) as sender:
            while not stop.is_set():
                sender.send(image)
                stop.wait(0.02)

    async def main() -> bytes:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/api/latest/door.jpg"
        thread = threading.Thread(target=camera, daemon=True)
        thread.start()
        try:
            async with aiohttp.ClientSession() as client:
                async with client.get(f"http://127.0.0.1:{port}/api/latest/yard.jpg") as r:
                    assert r.status == 404
                for _ in range(200):
                    async with client.get(url) as response:
                        if response.status == 200:
                            assert response.content_type == "image/jpeg"
                            return await response.read()
                        assert response.status == 404
                    await asyncio.sleep(0.02)
                raise AssertionError("no frame from camera door was served")
        finally:
            stop.set()
            thread.join(5)
            await runner.cleanup()

    body = asyncio.run(main())
    decoded = simplejpeg.decode_jpeg(body, colorspace="BGR")
    assert decoded.shape == (48, 64, 3)
    assert abs(int(decoded.mean()) - 120) <= 2
