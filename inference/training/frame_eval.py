"""Emotion accuracy end to end: FER-2013 faces pasted into rooms, found by a detector, cropped and classified.

A frame whose face the detector misses counts as wrong, so the figure is what a teacher's dashboard gets,
next to the model's accuracy on FER's own 48x48 crops. The same frames choose the aligned crop's framing
(scale and vertical offset): each framing of a grid is scored on one half of the faces and reported on the
other, so the chosen framing is not scored on the faces that chose it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from inference.serving.analyzer import participant_first
from inference.serving.crop import aligned_face_crop, face_crop
from inference.serving.detect import Box, Detection, FaceDetector
from inference.serving.model import EmotionModel
from inference.training.detect_eval import fer_frames

Crop = Callable[[np.ndarray, Detection], np.ndarray]


@dataclass(frozen=True)
class FrameSet:
    """Gray frames with one pasted FER face each: its true box and its emotion label."""

    grays: list[np.ndarray]
    boxes: list[Box]
    labels: np.ndarray


def fer_frame_set(images: np.ndarray, labels: np.ndarray, *, tilt_deg: float = 0.0, seed: int = 0) -> FrameSet:
    """Each (48, 48) FER face pasted into a room (`fer_frames`); with `tilt_deg`, tilted by +-tilt_deg first
    (alternating), the way a head leans, with the room showing around the tilted square."""
    grays, boxes = [], []
    for i, (frame, box) in enumerate(fer_frames(images, seed=seed)):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        assert box is not None
        if tilt_deg:
            gray = _tilt_face(gray, images[i], box, tilt_deg if i % 2 == 0 else -tilt_deg, seed=seed + i)
        grays.append(gray)
        boxes.append(box)
    return FrameSet(grays, boxes, np.asarray(labels))


def _tilt_face(gray: np.ndarray, face: np.ndarray, box: Box, angle: float, *, seed: int) -> np.ndarray:
    """`gray` with its pasted face replaced by the same face turned `angle` degrees about its centre."""
    from inference.training.synthetic import synthetic_face_sample

    room, _ = synthetic_face_sample(width=gray.shape[1], height=gray.shape[0], seed=seed, with_face=False)
    out = cv2.cvtColor(room, cv2.COLOR_BGR2GRAY)
    x, y, side, _ = box
    patch = np.zeros_like(out)
    mask = np.zeros_like(out)
    patch[y : y + side, x : x + side] = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    mask[y : y + side, x : x + side] = 255
    turn = cv2.getRotationMatrix2D((x + side / 2, y + side / 2), angle, 1.0)
    size = (out.shape[1], out.shape[0])
    patch = cv2.warpAffine(patch, turn, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(mask, turn, size, flags=cv2.INTER_NEAREST)
    out[mask > 0] = patch[mask > 0]
    return out


def participant_faces(detector: FaceDetector, grays: Sequence[np.ndarray]) -> list[Detection | None]:
    """The face the analyzer would report first in each frame (largest, most central), or None."""
    found = []
    for gray in grays:
        faces = participant_first(detector.detect(gray), gray.shape)
        found.append(faces[0] if faces else None)
    return found


def predictions(
    model: EmotionModel, frames: FrameSet, faces: Sequence[Detection | None], crop: Crop, *, batch: int = 256
) -> np.ndarray:
    """The predicted label per frame, -1 where no face was found."""
    predicted = np.full(len(faces), -1)
    found = [i for i, face in enumerate(faces) if face is not None]
    for start in range(0, len(found), batch):
        chunk = found[start : start + batch]
        crops = np.stack([crop(frames.grays[i], faces[i]) for i in chunk]).astype(np.float32)[..., None]  # type: ignore[arg-type]
        predicted[chunk] = np.asarray(model.predict(crops)).argmax(axis=1)
    return predicted


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Share of frames whose prediction is the label (a missed face, -1, is wrong)."""
    return float((predicted == labels).mean()) if len(labels) else 0.0


def crop_accuracy(model: EmotionModel, images: np.ndarray, labels: np.ndarray, *, batch: int = 256) -> float:
    """The model's accuracy on FER's own 48x48 crops."""
    predicted = np.concatenate(
        [
            np.asarray(model.predict(images[i : i + batch].astype(np.float32)[..., None])).argmax(axis=1)
            for i in range(0, len(images), batch)
        ]
    )
    return accuracy(predicted, labels)


def aligned(scale: float, offset: float) -> Crop:
    """The aligned crop with this framing (a Haar face, without keypoints, gets the plain box crop)."""

    def crop(gray: np.ndarray, face: Detection) -> np.ndarray:
        if face.landmarks is None:
            return face_crop(gray, face.box)
        return aligned_face_crop(gray, face.box, face.landmarks, scale=scale, offset=offset)

    return crop


def unaligned(scale: float, offset: float) -> Crop:
    """The same framing without turning the face upright: the box's square, scaled, moved down by `offset`."""

    def crop(gray: np.ndarray, face: Detection) -> np.ndarray:
        x, y, w, h = face.box
        side = max(w, h) * scale
        cx, cy = x + w / 2, y + h / 2 + offset * side
        return face_crop(gray, (round(cx - side / 2), round(cy - side / 2), round(side), round(side)))

    return crop


@dataclass(frozen=True)
class FramingScore:
    scale: float
    offset: float
    choosing_half: float  # accuracy on the even-numbered frames, which choose the framing
    other_half: float  # accuracy on the odd-numbered frames


def framing_grid(
    model: EmotionModel,
    frames: FrameSet,
    faces: Sequence[Detection | None],
    *,
    scales: Sequence[float],
    offsets: Sequence[float],
) -> list[FramingScore]:
    """End-to-end accuracy of every aligned framing, on the even and on the odd half of the frames."""
    even = np.arange(len(faces)) % 2 == 0
    scores = []
    for scale in scales:
        for offset in offsets:
            predicted = predictions(model, frames, faces, aligned(scale, offset))
            scores.append(
                FramingScore(
                    scale,
                    offset,
                    accuracy(predicted[even], frames.labels[even]),
                    accuracy(predicted[~even], frames.labels[~even]),
                )
            )
    return scores
