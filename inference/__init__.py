"""Snapshot -> faces -> emotion probabilities. Knows nothing of Django.

The whole interface:
    FaceAnalyzer.analyze(jpeg) -> list[FaceReading]   (box, score, emotion probabilities, quality, HeadPose)
    FaceAnalyzer.analyze_frame(jpeg) -> FrameAnalysis
    FaceAnalyzer.analyze_many(jpegs) -> list[FrameAnalysis | InferenceError]
    EmotionModel.predict(faces) -> np.ndarray
    load_emotion_model(path) -> EmotionModel   (.tflite, or a .keras straight from training)
    InferenceError

Two subpackages: `inference.serving` (what the web app and workers run: decoding, face detection, crops,
the LiteRT classifier) never imports `inference.training` (data, architecture, training, evaluation,
export, benchmarks' test frames) nor TensorFlow. OpenCV and LiteRT are imported lazily, on first use of
the names below, never by importing this package.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from inference.serving.image_header import OPENCV_MAX_IMAGE_PIXELS
from inference.serving.types import EMOTIONS, FaceQuality, FaceReading, FrameAnalysis, HeadPose, InferenceError

if TYPE_CHECKING:
    from inference.serving.analyzer import FaceAnalyzer
    from inference.serving.model import EmotionModel, shipped_model_path
    from inference.training.keras_model import load_emotion_model

__all__ = [
    "EMOTIONS",
    "EmotionModel",
    "FaceAnalyzer",
    "FaceQuality",
    "FaceReading",
    "FrameAnalysis",
    "HeadPose",
    "InferenceError",
    "load_emotion_model",
    "shipped_model_path",
]

_LAZY = {
    "FaceAnalyzer": "inference.serving.analyzer",
    "EmotionModel": "inference.serving.model",
    "shipped_model_path": "inference.serving.model",
    # The one loader for every format: a .keras file needs the training side's Keras runtime (TensorFlow is
    # imported only when such a file is loaded); a .tflite goes straight to serving's LiteRT runtime.
    "load_emotion_model": "inference.training.keras_model",
}


def _opencv_pixel_limit_set() -> None:
    """Tightens OpenCV's decode limit for the whole process. OpenCV reads it once, when cv2 is first imported:
    every module of this package imports cv2 after this runs (a process that imported cv2 first keeps 2^30)."""
    try:
        current = int(os.environ.get("OPENCV_IO_MAX_IMAGE_PIXELS", ""))
    except ValueError:
        current = OPENCV_MAX_IMAGE_PIXELS
    os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"] = str(min(current, OPENCV_MAX_IMAGE_PIXELS))


_opencv_pixel_limit_set()


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'inference' has no attribute {name!r}")
