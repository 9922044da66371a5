"""Snapshot -> faces -> emotion probabilities. Knows nothing of Django.

The whole interface:
    FaceAnalyzer.analyze(jpeg) -> list[FaceReading]
    FaceAnalyzer.analyze_frame(jpeg) -> FrameAnalysis
    FaceAnalyzer.analyze_many(jpegs) -> list[FrameAnalysis | InferenceError]
    EmotionModel.predict(faces) -> np.ndarray
    InferenceError

TensorFlow and OpenCV are imported lazily inside this package, never by its callers.
"""

from inference.types import EMOTIONS, FaceQuality, FaceReading, FrameAnalysis, InferenceError

__all__ = [
    "EMOTIONS",
    "FaceAnalyzer",
    "FaceQuality",
    "FaceReading",
    "FrameAnalysis",
    "InferenceError",
    "load_emotion_model",
]


def __getattr__(name: str) -> object:
    if name == "FaceAnalyzer":
        from inference.analyzer import FaceAnalyzer

        return FaceAnalyzer
    if name == "load_emotion_model":
        from inference.model import load_emotion_model

        return load_emotion_model
    raise AttributeError(name)
