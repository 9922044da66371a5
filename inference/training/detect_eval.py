"""How often the face detector finds a face, and how often it imagines one, under webcam-like conditions.

Two kinds of test frames, both made here (nothing downloaded):
- generated faces (inference.training.synthetic) under named conditions: dim light, small or large faces, off-centre,
  tilted heads;
- real faces: FER-2013 images (48x48, from a folder/zip/csv the user points at) enlarged to webcam size and
  pasted onto a generated room with a margin around them, the way a face sits in a laptop webcam frame.
A face counts as found when a detected box overlaps the true one (`box_overlap` > 0.4).

`following_report` measures `FaceDetector.detect_near` on sequences of a participant drifting in their seat.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from inference.serving.detect import DetectorSettings, FaceDetector, box_overlap
from inference.training.synthetic import FrameOptions, drifting_face_samples, synthetic_face_sample

Box = tuple[int, int, int, int]

CONDITIONS: dict[str, FrameOptions] = {
    "frontal": {},
    "dim (brightness 0.3)": {"brightness": 0.3},
    "very dim (0.15)": {"brightness": 0.15},
    "small face (30% of height)": {"face_scale": 0.3},
    "large face (85%)": {"face_scale": 0.85},
    "off-centre": {"offset": (0.25, 0.1)},
    "tilted 15 deg": {"rotation_deg": 15.0},
    "tilted 30 deg": {"rotation_deg": 30.0},
    "noisy sensor": {"noise": 14.0},
}


@dataclass(frozen=True)
class DetectionScore:
    condition: str
    frames: int
    found: int
    false_alarms: int  # frames with a detection that matches no true face (or any detection on an empty frame)
    ms_per_frame: float

    @property
    def recall(self) -> float:
        return self.found / self.frames if self.frames else 0.0


def score_frames(
    detector: FaceDetector, frames: Iterable[tuple[np.ndarray, Box | None]], condition: str
) -> DetectionScore:
    """Run `detector` on (BGR frame, true box or None) pairs and count hits, misses and false alarms."""
    total = found = false_alarms = 0
    elapsed = 0.0
    for frame, truth in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        start = time.perf_counter()
        boxes = [d.box for d in detector.detect(gray)]
        elapsed += time.perf_counter() - start
        total += 1
        hits = [b for b in boxes if truth is not None and box_overlap(b, truth) > 0.4]
        found += bool(hits)
        false_alarms += len(boxes) > len(hits)
    return DetectionScore(condition, total, found, false_alarms, 1000.0 * elapsed / max(total, 1))


def synthetic_frames(condition: FrameOptions, count: int, *, seed: int = 0) -> list[tuple[np.ndarray, Box | None]]:
    frames: list[tuple[np.ndarray, Box | None]] = []
    for i in range(count):
        options = FrameOptions(**condition)
        options["seed"] = seed + i
        frames.append(synthetic_face_sample(**options))
    return frames


def empty_frames(count: int, *, seed: int = 10_000) -> list[tuple[np.ndarray, Box | None]]:
    return [synthetic_face_sample(seed=seed + i, with_face=False) for i in range(count)]


def fer_frames(
    faces: np.ndarray, *, width: int = 320, height: int = 240, seed: int = 0
) -> list[tuple[np.ndarray, Box | None]]:
    """Each 48x48 FER face enlarged to 100-170 px and pasted at a random place on a generated room.

    FER crops are tight (forehead to chin), so the pasted square is the true face box.
    """
    rng = np.random.default_rng(seed)
    frames: list[tuple[np.ndarray, Box | None]] = []
    for i, face in enumerate(faces):
        room, _ = synthetic_face_sample(width=width, height=height, seed=seed + i, with_face=False)
        side = int(rng.integers(100, 171))
        x = int(rng.integers(0, width - side))
        y = int(rng.integers(0, height - side))
        patch = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
        room[y : y + side, x : x + side] = patch[..., None]
        frames.append((room, (x, y, side, side)))
    return frames


def detection_report(
    settings: DetectorSettings | None = None, *, per_condition: int = 60, fer_faces: np.ndarray | None = None
) -> list[DetectionScore]:
    """Recall per condition on generated faces, false alarms on empty rooms, and recall on pasted FER faces."""
    detector = FaceDetector(settings or DetectorSettings())
    scores = [
        score_frames(detector, synthetic_frames(options, per_condition, seed=100 * i), name)
        for i, (name, options) in enumerate(CONDITIONS.items())
    ]
    scores.append(score_frames(detector, empty_frames(per_condition), "no face (false alarms)"))
    if fer_faces is not None and len(fer_faces):
        scores.append(score_frames(detector, fer_frames(fer_faces), f"FER-2013 faces in a room (n={len(fer_faces)})"))
    return scores


FOLLOWING_CONDITIONS: dict[str, dict[str, float]] = {
    "drifting (3% of the frame per snapshot)": {},
    "drifting fast (6%)": {"drift": 0.06},
    "dim (brightness 0.3)": {"brightness": 0.3},
    "small face (35% of height)": {"face_scale": 0.35},
    "large face (75%)": {"face_scale": 0.75},
}


@dataclass(frozen=True)
class FollowingScore:
    condition: str
    frames: int  # frames after the first of each sequence, where the previous box is known
    near_found: int  # the true face found by detect_near alone
    found: int  # found by detect_near, or by detect after a near miss
    near_ms: float  # detect_near per frame
    followed_ms: float  # detect_near, plus detect after a miss, per frame
    full_ms: float  # detect on every frame

    @property
    def near_recall(self) -> float:
        return self.near_found / self.frames if self.frames else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.frames if self.frames else 0.0


def score_following(
    detector: FaceDetector, sequences: Iterable[list[tuple[np.ndarray, Box | None]]], condition: str
) -> FollowingScore:
    """Follow each sequence's face with `FaceDetector.follow` (a whole-frame search after a miss, as
    FaceAnalyzer does), and time it against `detect` on every frame."""
    frames = near_found = found = 0
    near_s = followed_s = full_s = 0.0
    for sequence in sequences:
        grays = [cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame, _ in sequence]
        first = detector.detect(grays[0])
        previous = first[0].box if first else None
        for gray, (_, truth) in zip(grays[1:], sequence[1:], strict=True):
            start = time.perf_counter()
            whole = detector.detect(gray)
            full_s += time.perf_counter() - start
            if previous is None or truth is None:
                previous = whole[0].box if whole else None
                continue
            start = time.perf_counter()
            chosen = detector.follow(gray, previous)
            near_s += time.perf_counter() - start
            near_found += chosen is not None and box_overlap(chosen.box, truth) > 0.4
            if chosen is None:
                rescued = detector.detect(gray)
                chosen = rescued[0] if rescued else None
            followed_s += time.perf_counter() - start
            frames += 1
            found += chosen is not None and box_overlap(chosen.box, truth) > 0.4
            previous = chosen.box if chosen else None
    per_frame = 1000.0 / max(frames, 1)
    return FollowingScore(
        condition, frames, near_found, found, near_s * per_frame, followed_s * per_frame, full_s * per_frame
    )


def following_report(
    settings: DetectorSettings | None = None, *, sequences: int = 30, steps: int = 8
) -> list[FollowingScore]:
    """detect_near's recall and cost per condition, on `sequences` drifting participants of `steps` frames."""
    detector = FaceDetector(settings or DetectorSettings())
    return [
        score_following(
            detector,
            (drifting_face_samples(steps, seed=1000 * i + k, **options) for k in range(sequences)),  # type: ignore[arg-type]
            name,
        )
        for i, (name, options) in enumerate(FOLLOWING_CONDITIONS.items())
    ]
