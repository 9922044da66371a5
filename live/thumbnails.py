"""Snapshot thumbnails on the dashboard: small, only for the tiles on the teacher's screen, at the teacher's rate.

The worker shrinks each snapshot once (`thumbnail`), when the session shows snapshots; each dashboard socket
then passes a thumbnail on only for a student whose tile that page says is on screen, and no more often than the
rate the teacher chose (`ThumbnailPolicy`; the `thumbnails` command, docs/protocol.md). Until a page says what it
shows, it gets none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from live.protocol import ProtocolError

THUMB_SIZE = (96, 72)  # 4:3, twice the compact tile's 48 x 36 CSS pixels, enough for a large tile too
THUMB_QUALITY = 60
RATES_S = (0, 2, 5, 10, 30)  # 0: off
MAX_VISIBLE = 500


def thumbnail(jpeg: bytes) -> bytes | None:
    """A JPEG of at most THUMB_SIZE from a snapshot; None when the snapshot cannot be read.

    OpenCV, which serving already has (no Pillow in the serving install); the reduced decode scales down while it
    decodes, and the worker only shrinks snapshots that passed the analyzer's header checks."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_REDUCED_COLOR_2)
    if image is None:
        return None
    height, width = image.shape[:2]
    scale = min(THUMB_SIZE[0] / width, THUMB_SIZE[1] / height, 1.0)
    small = cv2.resize(
        image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    return encoded.tobytes() if ok else None


def thumbnails_request(message: dict[str, Any]) -> tuple[float, frozenset[int]]:
    """(seconds between two thumbnails of one student, 0 for none; the participant ids on screen) from a
    `thumbnails` command. Raises ProtocolError."""
    every_s = message.get("every_s")
    if isinstance(every_s, bool) or every_s not in RATES_S:
        raise ProtocolError("bad_message", f"'every_s' must be one of {', '.join(map(str, RATES_S))}.")
    visible = message.get("visible", [])
    if not isinstance(visible, list) or len(visible) > MAX_VISIBLE:
        raise ProtocolError("bad_message", f"'visible' must be a list of at most {MAX_VISIBLE} participant ids.")
    if any(isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0 for pid in visible):
        raise ProtocolError("bad_message", "'visible' must hold positive integers.")
    return float(every_s), frozenset(visible)


@dataclass
class ThumbnailPolicy:
    """One dashboard socket's choice: which students' thumbnails it wants and how often."""

    every_s: float = 0.0
    visible: frozenset[int] = frozenset()
    sent_at: dict[int, float] = field(default_factory=dict)  # participant id -> when their last one went out

    def choose(self, every_s: float, visible: frozenset[int]) -> None:
        self.every_s = every_s
        newly_visible = visible - self.visible
        self.visible = visible
        for pid in newly_visible:  # a tile that scrolls into view gets the next thumbnail at once
            self.sent_at.pop(pid, None)

    def outgoing(self, message: dict[str, Any], now: float) -> dict[str, Any]:
        """The `students.update` / `student.update` message as this socket sends it: a tile keeps its snapshot
        only when on screen and due; with thumbnails off, a tile says so with "snapshot": null."""
        if message.get("type") == "student.update":
            return {**message, "student": self._tile(message["student"], now)}
        return {**message, "students": [self._tile(tile, now) for tile in message.get("students", [])]}

    def _tile(self, tile: dict[str, Any], now: float) -> dict[str, Any]:
        if "snapshot" not in tile:
            return tile
        pid: int = tile["id"]
        if self.every_s <= 0:
            return {**tile, "snapshot": None}
        last = self.sent_at.get(pid, -math.inf)
        if pid not in self.visible or now - last < self.every_s * 0.9:  # 0.9: frames arrive with jitter
            return {key: value for key, value in tile.items() if key != "snapshot"}
        self.sent_at[pid] = now
        return tile
