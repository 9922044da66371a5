"""FaceAnalyzer: JPEG snapshot -> faces -> emotion probabilities, one frame or a batch of frames at a time.

Every face of a batch of frames goes through the classifier in one call, so a worker that gathers the
snapshots of a whole class pays the model's fixed cost once. An analyzer holds OpenCV and LiteRT objects
that must not be shared between threads: give each thread its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from enum import Enum
from typing import Literal

import cv2
import numpy as np

from inference.serving.crop import face_crop, face_quality, sharpness
from inference.serving.detect import Box, Detection, DetectorSettings, FaceDetector
from inference.serving.image_header import snapshot_header
from inference.serving.model import EmotionModel, load_litert_model
from inference.serving.types import EMOTIONS, FaceReading, FrameAnalysis, InferenceError


class _Default(Enum):
    SHIPPED = "shipped"


SHIPPED_MODEL = _Default.SHIPPED  # FaceAnalyzer's default: the shipped .tflite, loaded on first use


class FaceAnalyzer:
    """Finds the faces in webcam snapshots and classifies their emotion.

    `model`: an EmotionModel, the default (the shipped .tflite, loaded on first use), or None to switch
    emotion inference off; readings then carry face boxes and quality but no probabilities.

    Following a face: given a stream key per snapshot (a participant), the analyzer remembers where that
    stream's face was and first looks only near it (`FaceDetector.detect_near`, about a fifth of the cost of
    a whole-frame search). Such a frame reports that one face. The whole frame is searched again when the
    face is not found near its old place, and every `rescan_every`-th frame of a stream anyway (every 40 s
    at one snapshot per 2 s), so a face that appears elsewhere is picked up. The last `max_streams` streams
    are remembered.

    `opencv_threads` sets OpenCV's thread pool, which is process-wide (None leaves it alone: one thread per
    core). A worker process that already keeps every core busy wastes CPU splitting each frame's detection
    across threads; give it 1.
    """

    def __init__(
        self,
        model: EmotionModel | None | Literal[_Default.SHIPPED] = SHIPPED_MODEL,
        *,
        detector: FaceDetector | None = None,
        max_faces: int = 4,
        rescan_every: int = 20,
        max_streams: int = 10_000,
        opencv_threads: int | None = None,
    ) -> None:
        if opencv_threads is not None:
            cv2.setNumThreads(opencv_threads)
        self._model = model
        self.detector = detector or FaceDetector(DetectorSettings())
        self.max_faces = max_faces
        self.rescan_every = rescan_every
        self.max_streams = max_streams
        self._followed: OrderedDict[Hashable, tuple[Box, int]] = OrderedDict()  # stream -> (box, frames since a scan)

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

    def analyze_many(
        self, jpegs: Sequence[bytes], streams: Sequence[Hashable | None] | None = None
    ) -> list[FrameAnalysis | InferenceError]:
        """Each snapshot's analysis, in order; a snapshot that can't be decoded gives its InferenceError.

        `streams`: each snapshot's stream key (None: none), to follow faces from one snapshot to the next.
        """
        if streams is not None and len(streams) != len(jpegs):
            raise ValueError(f"{len(jpegs)} snapshots but {len(streams)} stream keys")
        frames: list[tuple[np.ndarray, list[Detection]] | InferenceError] = []
        crops: list[np.ndarray] = []
        for jpeg, stream in zip(jpegs, streams or [None] * len(jpegs), strict=True):
            try:
                gray = decode_gray(jpeg)
            except InferenceError as exc:
                frames.append(exc)
                continue
            detections = self._faces(gray, stream)
            crops.extend(face_crop(gray, d.box) for d in detections)
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
                    )
                )
            height, width = gray.shape
            results.append(
                FrameAnalysis(
                    width=width, height=height, brightness=float(gray.mean()), blur=sharpness(gray), faces=faces
                )
            )
        return results

    def _faces(self, gray: np.ndarray, stream: Hashable | None) -> list[Detection]:
        """The faces to report, the participant's first: the followed face if it is still near, else a full search."""
        followed = self._followed.pop(stream, None) if stream is not None else None
        if followed is not None and followed[1] < self.rescan_every:
            old_box, since_scan = followed
            face = self.detector.follow(gray, old_box)
            if face is not None:
                self._follow(stream, face.box, since_scan + 1)
                return [face]
        found = participant_first(self.detector.detect(gray), gray.shape)[: self.max_faces]
        if found and stream is not None:
            self._follow(stream, found[0].box, 0)
        return found

    def _follow(self, stream: Hashable, box: Box, since_scan: int) -> None:
        self._followed[stream] = (box, since_scan)
        while len(self._followed) > self.max_streams:
            self._followed.popitem(last=False)

    def _classify(self, crops: list[np.ndarray]) -> np.ndarray | None:
        model = self.model
        if model is None:
            return None
        if not crops:
            return np.zeros((0, len(EMOTIONS)), np.float32)
        probabilities = np.asarray(model.predict(np.stack(crops).astype(np.float32)[..., None]), np.float64)
        return probabilities / probabilities.sum(axis=1, keepdims=True)


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
