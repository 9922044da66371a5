"""Find faces in a grayscale webcam frame with OpenCV's Haar cascades.

Tuned for 320x240 frames of one participant at a laptop webcam (faces of 50-200 px). The frontal cascade
runs on a histogram-equalized frame (which rescues dim and low-contrast faces); when it finds nothing, the
profile cascade runs on the frame and on its mirror image (OpenCV's profile cascade only knows faces
turned one way). Overlapping boxes from either pass are merged by non-max suppression.

A FaceDetector holds OpenCV CascadeClassifier objects, which must not be used from two threads at once:
give each thread its own detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Source = Literal["frontal", "profile"]


@dataclass(frozen=True)
class Detection:
    """A face box, the cascade's confidence for it (0-1, see `detection_score`) and which pass found it."""

    box: Box
    score: float
    source: Source


@dataclass(frozen=True)
class DetectorSettings:
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
    # detect_near: the window is the previous box grown by `track_margin` of its side on every side, resized so
    # the previous face is about `track_face_px` wide, and searched for faces 0.7-1.45x the previous size.
    # Chosen on sequences of moving generated faces (docs/benchmarks.md, "Following a face").
    track_face_px: int = 40
    track_margin: float = 0.5
    track_size_range: tuple[float, float] = (0.7, 1.45)


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


class FaceDetector:
    """Haar-cascade face detector for grayscale uint8 frames. Not thread-safe: one per thread."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
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

    def detect_near(self, gray: np.ndarray, box: Box) -> list[Detection]:
        """The upright faces around `box` (a face found in this participant's previous frame), best first.

        Searches only a window around the old box, at sizes near the old face's: about a fifth of `detect`'s
        cost. [] when the face moved away, turned or left; the caller then runs `detect`.
        """
        if gray.ndim != 2 or gray.dtype != np.uint8:
            raise ValueError(f"expected a (H, W) uint8 grayscale frame, got {gray.dtype} {gray.shape}")
        s = self.settings
        x, y, w, h = box
        side = max(w, h, 1)
        margin = round(s.track_margin * side)
        left, top = max(0, x - margin), max(0, y - margin)
        window = gray[top : min(gray.shape[0], y + h + margin), left : min(gray.shape[1], x + w + margin)]
        if window.size == 0:
            return []
        scale = min(1.0, s.track_face_px / side)
        if scale < 1.0:
            window = cv2.resize(window, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        smallest, largest = (round(side * scale * share) for share in s.track_size_range)
        found = self._frontal_pass(self._contrasted(window), scale, sizes=(max(smallest, 20), largest))
        moved = [Detection((d.box[0] + left, d.box[1] + top, d.box[2], d.box[3]), d.score, d.source) for d in found]
        return non_max_suppression(moved, threshold=s.overlap_threshold)

    def follow(self, gray: np.ndarray, box: Box) -> Detection | None:
        """The face of `box`'s participant in this frame: of the faces near it, the one overlapping it most.

        None when `detect_near` finds nothing; the caller then searches the whole frame.
        """
        near = self.detect_near(gray, box)
        return max(near, key=lambda d: box_overlap(d.box, box)) if near else None

    def _contrasted(self, image: np.ndarray) -> np.ndarray:
        if self.settings.contrast == "equalize":
            return cv2.equalizeHist(image)
        if self.settings.contrast == "clahe":
            return self._clahe.apply(image)
        return image

    def _frontal_pass(
        self, image: np.ndarray, scale: float, *, sizes: tuple[int, int] | None = None
    ) -> list[Detection]:
        """The frontal cascade on `image`; with contrast "fallback", again on its equalized copy if it found none."""
        found = self._run(self._frontal, image, "frontal", scale, sizes=sizes)
        if not found and self.settings.contrast == "fallback":
            found = self._run(self._frontal, cv2.equalizeHist(image), "frontal", scale, sizes=sizes)
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

    def _run(
        self,
        cascade: cv2.CascadeClassifier,
        image: np.ndarray,
        source: Source,
        scale: float,
        *,
        sizes: tuple[int, int] | None = None,
    ) -> list[Detection]:
        """The raw (unmerged) detections of one cascade on an image resized by `scale`, in unresized pixels.

        `sizes`: the smallest and largest face to look for, in `image` pixels (default: from min_size up).
        """
        s = self.settings
        smallest, largest = sizes or (max(1, round(s.min_size * scale)), 0)
        boxes, _levels, weights = cascade.detectMultiScale3(
            image,
            scaleFactor=s.scale_factor,
            minNeighbors=s.min_neighbors,
            minSize=(smallest, smallest),
            maxSize=(largest, largest),
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
