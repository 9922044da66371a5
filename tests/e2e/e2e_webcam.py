"""A fake webcam for Chromium: a Y4M video of drawn faces (inference/synthetic.py), made on the spot."""

from pathlib import Path

import cv2
import numpy as np

from inference.training.synthetic import Expression, synthetic_face_frame


def y4m_write(path: Path, frames: list[np.ndarray], *, fps: int) -> Path:
    """Write BGR frames of one size as a 4:2:0 Y4M file, which `--use-file-for-fake-video-capture` plays in a loop."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def face_video(
    path: Path,
    *,
    seed: int = 3,
    expression: Expression = "happy",
    brightness: float = 1.0,
    seconds: int = 2,
    fps: int = 5,
) -> Path:
    """A few seconds of one student's face, holding still but for a little sensor noise.
    brightness multiplies all light (0.1: a room with the lights off)."""
    options = {"width": 640, "height": 480, "seed": seed, "expression": expression, "brightness": brightness}
    frames = [synthetic_face_frame(**options, face_scale=0.6, noise=2.0 + i % 2) for i in range(seconds * fps)]
    return y4m_write(path, frames, fps=fps)
