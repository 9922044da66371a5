"""Plain data types shared by the inference pipeline and its callers."""

from __future__ import annotations

from dataclasses import dataclass, field

# FER-2013's label order (0-6); the model's output columns follow it.
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class InferenceError(Exception):
    """The input could not be analyzed (corrupt or non-image bytes, wrong shape, missing model)."""


@dataclass(frozen=True)
class FaceQuality:
    """How usable a face crop is: size in pixels, mean brightness (0-255) and sharpness."""

    face_px: int  # the face box's shorter side, in frame pixels
    brightness: float  # mean gray level of the face crop, 0-255
    blur: float  # variance of the Laplacian of the face crop; low means blurry


@dataclass(frozen=True)
class HeadPose:
    """Where a face points, in degrees: yaw > 0 turned towards the picture's right, pitch > 0 tipped down.

    A rough geometric estimate from the detector's keypoints (inference.serving.pose says how rough).
    """

    yaw: float
    pitch: float


@dataclass(frozen=True)
class FaceReading:
    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels
    detection_score: float | None
    probabilities: dict[str, float] | None  # EMOTIONS -> probability, sums to 1; None when emotions are off
    quality: FaceQuality
    pose: HeadPose | None = None  # None from a detector without keypoints (Haar)

    @property
    def emotion(self) -> str | None:
        """The most probable emotion, or None when emotion inference is off."""
        if self.probabilities is None:
            return None
        return max(self.probabilities, key=self.probabilities.__getitem__)


@dataclass(frozen=True)
class FrameAnalysis:
    """Everything one snapshot says: its faces (largest, most central first) and whole-frame quality."""

    width: int
    height: int
    brightness: float  # mean gray level of the whole frame, 0-255
    blur: float  # variance of the Laplacian of the whole frame
    faces: list[FaceReading] = field(default_factory=list)

    @property
    def main_face(self) -> FaceReading | None:
        """The participant's own face: the largest, most central one, or None when no face was found."""
        return self.faces[0] if self.faces else None
