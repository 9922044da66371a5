"""The JPEG snapshots simulated students stream: drawn faces, or a folder of pictures."""

from __future__ import annotations

import logging
import random
from pathlib import Path

log = logging.getLogger(__name__)


class FramePool:
    """The JPEG snapshots each simulated student streams: `frame(student, seq)`."""

    def __init__(self, looks: list[list[bytes]], *, hold: int = 1) -> None:
        if not looks or not all(looks):
            raise ValueError("FramePool needs at least one frame")
        self.looks = looks
        self.hold = hold  # frames in a row with the same picture

    def frame(self, student: int, seq: int) -> bytes:
        frames = self.looks[student % len(self.looks)]
        return frames[(seq // self.hold + student) % len(frames)]

    @classmethod
    def synthetic(cls, *, looks: int, seed: int = 0, hold: int = 1, dim_share: float = 0.0) -> FramePool:
        """Drawn faces (inference.synthetic): `looks` people, some dimly lit, each shifting a little in their
        seat from one snapshot to the next and going through every expression twice.

        Each look's frames play forwards then backwards, so its face never jumps when the loop restarts.
        """
        from inference.training.synthetic import EXPRESSIONS, drifting_face_samples, encode_jpeg

        rng = random.Random(seed)
        pool = []
        for look in range(looks):
            brightness = 0.22 if rng.random() < dim_share else rng.uniform(0.85, 1.1)
            drifting = drifting_face_samples(
                2 * len(EXPRESSIONS), seed=seed * 1000 + look, brightness=brightness, expressions=EXPRESSIONS
            )
            frames = [encode_jpeg(frame, quality=80) for frame, _ in drifting]
            pool.append(frames + frames[-2:0:-1])
        return cls(pool, hold=hold)

    @classmethod
    def from_directory(cls, folder: Path, *, width: int = 320, height: int = 240) -> FramePool:
        """Every *.jpg/*.jpeg/*.png in `folder`, cropped to fill width x height and re-encoded as JPEG."""
        import cv2

        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        pool = []
        for path in paths:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                log.warning("skipping %s: not a readable image", path)
                continue
            scale = max(width / image.shape[1], height / image.shape[0])
            image = cv2.resize(
                image, (max(width, round(image.shape[1] * scale)), max(height, round(image.shape[0] * scale)))
            )
            y, x = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
            ok, jpeg = cv2.imencode(".jpg", image[y : y + height, x : x + width], [cv2.IMWRITE_JPEG_QUALITY, 80])
            if ok:
                pool.append([jpeg.tobytes()])
        if not pool:
            raise ValueError(f"no readable .jpg or .png images in {folder}")
        return cls(pool)
