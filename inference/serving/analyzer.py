"""FaceAnalyzer: JPEG snapshot -> faces -> emotion probabilities, one frame or a batch of frames at a time.

Every face of a batch of frames goes through the classifier in one call, so a worker that gathers the
snapshots of a whole class pays the model's fixed cost once. An analyzer holds OpenCV and LiteRT objects
that must not be shared between threads: give each thread its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Literal

import cv2
import numpy as np

from inference.serving.crop import aligned_face_crop, face_crop, face_quality, sharpness
from inference.serving.detect import Detection, FaceDetector, detector_load
from inference.serving.image_header import snapshot_header
from inference.serving.model import EmotionModel, load_litert_model
from inference.serving.pose import head_pose
from inference.serving.types import EMOTIONS, FaceReading, FrameAnalysis, InferenceError


class _Default(Enum):
    SHIPPED = "shipped"


SHIPPED_MODEL = _Default.SHIPPED  # FaceAnalyzer's default: the shipped .tflite, loaded on first use


class FaceAnalyzer:
    """Finds the faces in webcam snapshots and classifies their emotion.

    `model`: an EmotionModel, the default (the shipped .tflite, loaded on first use), or None to switch
    emotion inference off; readings then carry face boxes, head pose and quality but no probabilities.

    `detector`: "blazeface" (the default; keypoints give upright crops and head pose), "haar" (the fallback:
    no keypoints, so unaligned crops and no pose), or a detector object.

    `opencv_threads` sets OpenCV's thread pool, which is process-wide (None leaves it alone: one thread per
    core). A worker process that already keeps every core busy wastes CPU splitting each frame's work
    across threads; give it 1. BlazeFace always runs on one LiteRT thread.
    """

    def __init__(
        self,
        model: EmotionModel | None | Literal[_Default.SHIPPED] = SHIPPED_MODEL,
        *,
        detector: FaceDetector | str = "blazeface",
        max_faces: int = 4,
        opencv_threads: int | None = None,
    ) -> None:
        if opencv_threads is not None:
            cv2.setNumThreads(opencv_threads)
        self._model = model
        self.detector = detector_load(detector) if isinstance(detector, str) else detector
        self.max_faces = max_faces

    @property
    def model(self) -> EmotionModel | None:
        if self._model is SHIPPED_MODEL:
            self._model = load_litert_model()
        return self._model

    def analyze(self, jpeg: bytes) -> list[FaceReading]:
        """The faces in one snapshot, the participant's own (largest, most central) first; [] when none."""
        return self.analyze_frame(jpeg).faces

    def analyze_frame(self, jpeg: bytes) -> FrameAnalysis:
        """One snapshot's faces and whole-frame quality. Raises InferenceError for corrupt or non-image bytes."""
        result = self.analyze_many([jpeg])[0]
        if isinstance(result, InferenceError):
            raise result
        return result

    def analyze_many(self, jpegs: Sequence[bytes]) -> list[FrameAnalysis | InferenceError]:
        """Each snapshot's analysis, in order; a snapshot that can't be decoded gives its InferenceError."""
        frames: list[tuple[np.ndarray, list[Detection]] | InferenceError] = []
        crops: list[np.ndarray] = []
        for jpeg in jpegs:
            try:
                gray = decode_gray(jpeg)
            except InferenceError as exc:
                frames.append(exc)
                continue
            detections = participant_first(self.detector.detect(gray), gray.shape)[: self.max_faces]
            crops.extend(crop_for(gray, d) for d in detections)
            frames.append((gray, detections))
        probabilities = self._classify(crops)
        results: list[FrameAnalysis | InferenceError] = []
        next_crop = 0
        for frame in frames:
            if isinstance(frame, InferenceError):
                results.append(frame)
                continue
            gray, detections = frame
            faces = []
            for detection in detections:
                crop = crops[next_crop]
                row = probabilities[next_crop] if probabilities is not None else None
                next_crop += 1
                faces.append(
                    FaceReading(
                        box=detection.box,
                        detection_score=detection.score,
                        probabilities=None if row is None else dict(zip(EMOTIONS, map(float, row), strict=True)),
                        quality=face_quality(crop, detection.box),
                        pose=None if detection.landmarks is None else head_pose(detection.landmarks),
                    )
                )
            height, width = gray.shape
            results.append(
                FrameAnalysis(
                    width=width, height=height, brightness=float(gray.mean()), blur=sharpness(gray), faces=faces
                )
            )
        return results

    def _classify(self, crops: list[np.ndarray]) -> np.ndarray | None:
        model = self.model
        if model is None:
            return None
        if not crops:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        probabilities = np.asarray(model.predict(np.stack(crops).astype(np.float32)[..., None]), np.float64)
        return probabilities / probabilities.sum(axis=1, keepdims=True)


def crop_for(gray: np.ndarray, detection: Detection) -> np.ndarray:
    """The 48x48 crop the classifier gets: turned upright by the eyes where the detector gave keypoints."""
    if detection.landmarks is not None:
        return aligned_face_crop(gray, detection.box, detection.landmarks)
    return face_crop(gray, detection.box)


def decode_gray(jpeg: bytes) -> np.ndarray:
    """The (H, W) uint8 grayscale image in `jpeg` (a JPEG, or a PNG from the command line).

    Raises InferenceError for anything else, and for an image larger than a snapshot ever is: its headers are
    read first (`snapshot_header`), so a decompression bomb is refused before any pixel buffer exists.
    """
    if not isinstance(jpeg, (bytes, bytearray, memoryview)) or len(jpeg) == 0:
        raise InferenceError("empty snapshot: expected JPEG bytes")
    header = snapshot_header(bytes(jpeg))
    try:
        gray = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    except cv2.error as exc:  # OpenCV's own limits (OPENCV_IO_MAX_IMAGE_PIXELS)
        raise InferenceError(f"not a decodable image ({len(jpeg)} bytes): {exc.msg}") from exc
    if gray is None or gray.size == 0:
        raise InferenceError(f"not a decodable image ({len(jpeg)} bytes)")
    if gray.shape != (header.height, header.width):  # the header reader and the decoder disagree: trust neither
        raise InferenceError(f"not a decodable image ({len(jpeg)} bytes): its header and its pixels disagree")
    return gray


def participant_first(detections: list[Detection], shape: tuple[int, ...]) -> list[Detection]:
    """The detections ordered so the participant's own face comes first: the largest, most central one.

    Area counts most; a face's area is discounted by up to half as its centre moves from the frame's
    centre to a corner, so a slightly smaller face in the middle beats a passer-by at the edge.
    """
    height, width = shape[:2]
    half_diagonal = float(np.hypot(width / 2, height / 2)) or 1.0

    def rank(detection: Detection) -> float:
        x, y, w, h = detection.box
        off_centre = float(np.hypot(x + w / 2 - width / 2, y + h / 2 - height / 2)) / half_diagonal
        return w * h * (1.0 - 0.5 * min(off_centre, 1.0))

    return sorted(detections, key=rank, reverse=True)
