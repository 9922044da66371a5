"""A class of 30 for the dashboard's layout tests: students join through the real join flow and talk over real
sockets (the `websockets` client, in a thread of its own), each behaving as told: streaming faces, streaming a
dark picture, streaming a clear picture with nobody in it, streaming with the class tab hidden, or gone (connected
once, then closed)."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from loadtest.browser import origin_of, student_join, ws_url
from loadtest.frames import FramePool


@dataclass(frozen=True)
class Pupil:
    name: str
    behaviour: str  # "stream", "dark", "no_face", "tab_hidden", "gone"


def empty_room(seed: int) -> bytes:
    """A clear, well-lit picture with no face in it: textured, so it is neither dark nor blurry."""
    pixels = np.random.default_rng(seed).integers(60, 200, size=(240, 320, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=80)
    return out.getvalue()


def attention(*, camera: str, visible: bool = True) -> str:
    return json.dumps({"type": "attention", "visible": visible, "focused": visible, "idle_s": 0, "camera": camera})


class SimulatedPupils:
    """Runs the pupils until `stop()`; frames every `interval_s` (the session's interval or longer)."""

    def __init__(self, base_url: str, code: str, pupils: list[Pupil], *, interval_s: float) -> None:
        self.base_url = base_url
        self.code = code
        self.pupils = pupils
        self.interval_s = interval_s
        self.faces = FramePool.synthetic(looks=6, seed=1)
        self.dark = FramePool.synthetic(looks=1, seed=2, dim_share=1.0)
        self.empty = empty_room(3)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        # Joins go through HTTP one by one (the join rate limit is per address); sockets then run together.
        self.joined = [student_join(self.base_url, self.code, p.name) for p in self.pupils]
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=20)

    async def _run(self) -> None:
        await asyncio.gather(*(self._pupil(i, p) for i, p in enumerate(self.pupils)))

    async def _pupil(self, index: int, pupil: Pupil) -> None:
        from websockets.asyncio.client import connect

        joined = self.joined[index]
        url = ws_url(self.base_url, f"/ws/student/?token={joined.token}")
        try:
            async with connect(url, origin=origin_of(self.base_url), proxy=None) as ws:  # type: ignore[arg-type]
                await asyncio.sleep(0.05 * index)  # spread the class's frames over the interval
                if pupil.behaviour == "gone":
                    await ws.send(attention(camera="on"))
                    await asyncio.sleep(1)
                    return
                visible = pupil.behaviour != "tab_hidden"
                seq = 0
                while not self._stop.is_set():
                    await ws.send(attention(camera="on", visible=visible))
                    if pupil.behaviour == "no_face":
                        await ws.send(self.empty)
                    else:
                        await ws.send((self.dark if pupil.behaviour == "dark" else self.faces).frame(index, seq))
                    seq += 1
                    await self._drain(ws)
                    await asyncio.sleep(self.interval_s)
        except Exception as exc:
            self.errors.append(f"{pupil.name}: {type(exc).__name__}: {exc}")

    async def _drain(self, ws: Any) -> None:
        while True:
            try:
                await asyncio.wait_for(ws.recv(), timeout=0.01)
            except TimeoutError:
                return
