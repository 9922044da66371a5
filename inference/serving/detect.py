"""What every face detector returns, and the one place that picks a detector by name.

Two detectors: BlazeFace (`inference.serving.blazeface`, the default: MediaPipe's short-range model on
LiteRT, with six keypoints per face) and OpenCV's Haar cascades (`inference.serving.haar`, the fallback:
no keypoints, so no alignment and no head pose). Detectors hold native objects that must not be shared
between threads: give each thread its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Point = tuple[float, float]  # x, y in frame pixels
DETECTORS: tuple[str, ...] = ("blazeface", "haar")


@dataclass(frozen=True)
class Landmarks:
    """Six face keypoints in frame pixels, named by the side of the picture they appear on.

    In an unmirrored webcam picture the student's right eye is on the picture's left.
    """

    eye_left: Point
    eye_right: Point
    nose: Point  # the tip
    mouth: Point  # the centre
    ear_left: Point  # the tragion, the notch in front of the ear
    ear_right: Point


@dataclass(frozen=True)
class Detection:
    """A face box, the detector's confidence for it (0-1), which detector or pass found it, and its keypoints
    (None from detectors that give none)."""

    box: Box
    score: float
    source: str  # "blazeface", or the Haar pass: "frontal" or "profile"
    landmarks: Landmarks | None = None


class FaceDetector(Protocol):
    def detect(self, gray: np.ndarray) -> list[Detection]:
        """The faces in a (H, W) uint8 frame, best first; [] when there is none."""
        ...


def detector_load(kind: str = "blazeface", *, threads: int = 1) -> FaceDetector:
    """A new detector of `kind` ("blazeface" or "haar"). `threads`: BlazeFace's LiteRT threads.

    Raises ValueError for another kind, InferenceError when BlazeFace's model file is missing.
    """
    if kind == "blazeface":
        from inference.serving.blazeface import BlazeFaceDetector

        return BlazeFaceDetector(threads=threads)
    if kind == "haar":
        from inference.serving.haar import HaarDetector

        return HaarDetector()
    raise ValueError(f"face detector {kind!r}: expected one of {', '.join(DETECTORS)}")


def box_overlap(a: Box, b: Box) -> float:
    """The larger of IoU and intersection-over-smaller-box of two boxes, 0-1 (catches a box inside another)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    if inter == 0:
        return 0.0
    iou = inter / (aw * ah + bw * bh - inter)
    return max(iou, inter / min(aw * ah, bw * bh) * 0.75)
