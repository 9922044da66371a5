"""Find faces in a grayscale webcam frame with OpenCV's Haar cascades.

Tuned for 320x240 frames of one participant at a laptop webcam (faces of 50-200 px). The frontal cascade
runs on a histogram-equalized frame (which rescues dim and low-contrast faces); when it finds nothing, the
profile cascade runs on the frame and on its mirror image (OpenCV's profile cascade only knows faces
turned one way). Overlapping boxes from either pass are merged by non-max suppression.

A HaarDetector holds OpenCV CascadeClassifier objects, which must not be used from two threads at once:
give each thread its own detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from inference.serving.detect import Box, Detection, box_overlap

Source = Literal["frontal", "profile"]


@dataclass(frozen=True)
class HaarSettings:
    """Cascade parameters. The defaults were chosen on 320x240 frames (docs/benchmarks.md, "Face detection").

    scale_factor 1.1 (pyramid step; 1.2 misses more tilted and small faces for ~30% less time),
    min_neighbors 4 (fewer lets in background false positives), min_size 40 px (smaller faces are too coarse
    for the 48x48 classifier anyway, and skipping the smallest pyramid levels saves most of the time),
    rotations +-20 deg retried only when nothing else was found (tilted heads: 2% -> 100% found; real
    FER-2013 faces: 77% -> 84%; it costs time only on frames without an upright face).
    """

    frontal_cascade: str = "haarcascade_frontalface_alt2.xml"
    profile_cascade: str = "haarcascade_profileface.xml"
    scale_factor: float = 1.1
    min_neighbors: int = 4
    min_size: int = 40
    contrast: Literal["none", "equalize", "clahe", "fallback"] = "fallback"
    detect_width: int | None = 160
    rotations: tuple[float, ...] = (20.0, -20.0)
    use_profile: bool = True
    overlap_threshold: float = 0.3


def _load_cascade(filename: str) -> cv2.CascadeClassifier:
    """The cascade `filename` from OpenCV's bundled haarcascades folder; raises RuntimeError if it won't load."""
    cascade = cv2.CascadeClassifier(str(cv2.data.haarcascades) + filename)  # type: ignore[attr-defined]
    if cascade.empty():
        raise RuntimeError(f"OpenCV could not load the Haar cascade {filename!r}")
    return cascade


def detection_score(level_weight: float) -> float:
    """A 0-1 confidence from a cascade's last-stage weight: 0.5 at weight 0, about 0.9 at weight 20 for alt2.

    The raw weight's scale is arbitrary (it is a sum of weak-classifier votes), so only its order matters; the
    squashing keeps FaceReading.detection_score comparable across releases without promising calibration.
    """
    return float(1.0 / (1.0 + np.exp(-level_weight / 9.0)))


def non_max_suppression(detections: list[Detection], *, threshold: float = 0.3) -> list[Detection]:
    """The detections left after dropping each one that overlaps (`box_overlap` > threshold) a better one.

    Frontal detections beat profile ones, then the higher score wins. Returned best first.
    """
    ranked = sorted(detections, key=lambda d: (d.source == "frontal", d.score), reverse=True)
    kept: list[Detection] = []
    for candidate in ranked:
        if all(box_overlap(candidate.box, k.box) <= threshold for k in kept):
            kept.append(candidate)
    return kept


class HaarDetector:
    """Haar-cascade face detector for grayscale uint8 frames. Not thread-safe: one per thread."""

    def __init__(self, settings: HaarSettings | None = None) -> None:
        self.settings = settings or HaarSettings()
        self._frontal = _load_cascade(self.settings.frontal_cascade)
        self._profile = _load_cascade(self.settings.profile_cascade) if self.settings.use_profile else None
        self._clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))

    def detect(self, gray: np.ndarray) -> list[Detection]:
        """The faces in a (H, W) uint8 frame, best first, duplicates merged; [] when there is none."""
        if gray.ndim != 2 or gray.dtype != np.uint8:
            raise ValueError(f"expected a (H, W) uint8 grayscale frame, got {gray.dtype} {gray.shape}")
        s = self.settings
        scale = 1.0
        image = gray
        if s.detect_width and gray.shape[1] > s.detect_width:
            scale = s.detect_width / gray.shape[1]
            image = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        image = self._contrasted(image)
        found = self._frontal_pass(image, scale)
        if not found and self._profile is not None:
            found = self._run(self._profile, image, "profile", scale)
            width = gray.shape[1]
            for d in self._run(self._profile, cv2.flip(image, 1), "profile", scale):
                x, y, w, h = d.box
                found.append(Detection((width - x - w, y, w, h), d.score, "profile"))
        for angle in s.rotations if not found else ():
            found = self._run_rotated(image, angle, scale)
            if found:
                break
        return non_max_suppression(found, threshold=s.overlap_threshold)

    def _contrasted(self, image: np.ndarray) -> np.ndarray:
        if self.settings.contrast == "equalize":
            return cv2.equalizeHist(image)
        if self.settings.contrast == "clahe":
            return self._clahe.apply(image)
        return image

    def _frontal_pass(self, image: np.ndarray, scale: float) -> list[Detection]:
        """The frontal cascade on `image`; with contrast "fallback", again on its equalized copy if it found none."""
        found = self._run(self._frontal, image, "frontal", scale)
        if not found and self.settings.contrast == "fallback":
            found = self._run(self._frontal, cv2.equalizeHist(image), "frontal", scale)
        return found

    def _run_rotated(self, image: np.ndarray, angle: float, scale: float) -> list[Detection]:
        """Frontal detections on `image` rotated by `angle` degrees, as upright boxes in the unrotated frame."""
        h, w = image.shape
        rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        rotated = cv2.warpAffine(image, rotation, (w, h), borderMode=cv2.BORDER_REPLICATE)
        back = cv2.invertAffineTransform(rotation)
        out = []
        for d in self._run(self._frontal, rotated, "frontal", 1.0):
            x, y, bw, bh = d.box
            cx, cy = back @ np.array([x + bw / 2, y + bh / 2, 1.0])
            out.append(Detection(_scaled_box((cx - bw / 2, cy - bh / 2, bw, bh), 1 / scale), d.score, "frontal"))
        return out

    def _run(self, cascade: cv2.CascadeClassifier, image: np.ndarray, source: Source, scale: float) -> list[Detection]:
        """The raw (unmerged) detections of one cascade on an image resized by `scale`, in unresized pixels."""
        s = self.settings
        smallest = max(1, round(s.min_size * scale))
        boxes, _levels, weights = cascade.detectMultiScale3(
            image,
            scaleFactor=s.scale_factor,
            minNeighbors=s.min_neighbors,
            minSize=(smallest, smallest),
            outputRejectLevels=True,
        )
        return [
            Detection(_scaled_box(box, 1 / scale), detection_score(float(weight)), source)
            for box, weight in zip(boxes, np.ravel(weights), strict=True)
        ]


def _scaled_box(box: Sequence[float] | np.ndarray, factor: float) -> Box:
    """`box` (x, y, w, h) multiplied by `factor`, rounded to whole pixels."""
    x, y, w, h = (float(v) * factor for v in box)
    return round(x), round(y), round(w), round(h)
