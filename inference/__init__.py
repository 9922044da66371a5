"""Snapshot -> faces -> emotion probabilities. Knows nothing of Django.

The whole interface:
    FaceAnalyzer.analyze(jpeg) -> list[FaceReading]
    FaceAnalyzer.analyze_frame(jpeg) -> FrameAnalysis
    FaceAnalyzer.analyze_many(jpegs) -> list[FrameAnalysis | InferenceError]
    EmotionModel.predict(faces) -> np.ndarray
    InferenceError

TensorFlow and OpenCV are imported lazily inside this package, never by its callers.
"""

import os

from inference.image_header import OPENCV_MAX_IMAGE_PIXELS
from inference.types import EMOTIONS, FaceQuality, FaceReading, FrameAnalysis, InferenceError


def _opencv_pixel_limit_set() -> None:
    """Tightens OpenCV's decode limit for the whole process. OpenCV reads it once, when cv2 is first imported:
    every module of this package imports cv2 after this runs (a process that imported cv2 first keeps 2^30)."""
    try:
        current = int(os.environ.get("OPENCV_IO_MAX_IMAGE_PIXELS", ""))
    except ValueError:
        current = OPENCV_MAX_IMAGE_PIXELS
    os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"] = str(min(current, OPENCV_MAX_IMAGE_PIXELS))


_opencv_pixel_limit_set()

__all__ = ["EMOTIONS", "FaceAnalyzer", "FaceQuality", "FaceReading", "FrameAnalysis", "InferenceError"]


def __getattr__(name: str) -> object:
    if name == "FaceAnalyzer":
        from inference.analyzer import FaceAnalyzer

        return FaceAnalyzer
    raise AttributeError(name)
