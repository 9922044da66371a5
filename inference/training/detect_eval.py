"""How often a face detector finds a face, and how often it imagines one, under webcam-like conditions.

Two kinds of test frames, both made here (nothing downloaded):
- generated faces (inference.training.synthetic) under named conditions: dim light, small or large faces,
  tilted or turned heads, a hand over the face, sensor noise;
- real faces: FER-2013 images (48x48, from a folder/zip/csv the user points at) enlarged to webcam size and
  pasted onto a generated room with a margin around them, the way a face sits in a laptop webcam frame.
A face counts as found when a detected box overlaps the true one (`box_overlap` > 0.4).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from inference.serving.detect import Box, FaceDetector, box_overlap
from inference.training.synthetic import FrameOptions, synthetic_face_sample

# Tilts and turns alternate in sign from one frame to the next: half the heads lean or turn each way.
CONDITIONS: dict[str, FrameOptions] = {
    "frontal": {},
    "dim (brightness 0.3)": {"brightness": 0.3},
    "very dim (0.15)": {"brightness": 0.15},
    "tilted 15 deg": {"rotation_deg": 15.0},
    "tilted 30 deg": {"rotation_deg": 30.0},
    "tilted 45 deg": {"rotation_deg": 45.0},
    "turned 30 deg": {"yaw_deg": 30.0},
    "turned 60 deg": {"yaw_deg": 60.0},
    "looking down 30 deg": {"pitch_deg": 30.0},
    "small face (30% of height)": {"face_scale": 0.3},
    "large face (85%)": {"face_scale": 0.85},
    "off-centre": {"offset": (0.25, 0.1)},
    "noisy sensor": {"noise": 14.0},
    "partly covered (hand over the lower 40%)": {"cover": 0.4},
}
NO_FACE = "no face: empty rooms (false faces)"


@dataclass(frozen=True)
class DetectionScore:
    condition: str
    frames: int
    found: int
    false_alarms: int  # frames with a detection that matches no true face (or any detection on an empty frame)
    ms_per_frame: float  # mean: what the frames cost in all
    ms_median: float  # median: less swayed by other jobs on a busy machine

    @property
    def recall(self) -> float:
        return self.found / self.frames if self.frames else 0.0


def score_frames(
    detector: FaceDetector, frames: Iterable[tuple[np.ndarray, Box | None]], condition: str
) -> DetectionScore:
    """Run `detector` on (BGR frame, true box or None) pairs and count hits, misses and false alarms."""
    total = found = false_alarms = 0
    times: list[float] = []
    for frame, truth in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        start = time.perf_counter()
        boxes = [d.box for d in detector.detect(gray)]
        times.append(1000.0 * (time.perf_counter() - start))
        total += 1
        hits = [b for b in boxes if truth is not None and box_overlap(b, truth) > 0.4]
        found += bool(hits)
        false_alarms += len(boxes) > len(hits)
    mean = statistics.fmean(times) if times else 0.0
    return DetectionScore(condition, total, found, false_alarms, mean, statistics.median(times) if times else 0.0)


def synthetic_frames(condition: FrameOptions, count: int, *, seed: int = 0) -> list[tuple[np.ndarray, Box | None]]:
    """`count` generated frames under `condition`, seeds from `seed` up; odd frames tilt and turn the other way."""
    frames: list[tuple[np.ndarray, Box | None]] = []
    for i in range(count):
        options = FrameOptions(**condition)
        options["seed"] = seed + i
        if i % 2:
            for key in ("rotation_deg", "yaw_deg"):
                if key in options:
                    options[key] = -options[key]
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
    detector: FaceDetector,
    *,
    per_condition: int = 60,
    empty: int = 200,
    fer_faces: np.ndarray | None = None,
) -> list[DetectionScore]:
    """Recall per condition on generated faces, false faces on `empty` empty rooms, and recall on pasted FER faces
    (when given)."""
    scores = [
        score_frames(detector, synthetic_frames(options, per_condition, seed=100 * i), name)
        for i, (name, options) in enumerate(CONDITIONS.items())
    ]
    scores.append(score_frames(detector, empty_frames(empty), NO_FACE))
    if fer_faces is not None and len(fer_faces):
        scores.append(score_frames(detector, fer_frames(fer_faces), f"FER-2013 faces in a room (n={len(fer_faces)})"))
    return scores


@dataclass(frozen=True)
class PoseScore:
    drawn: str  # the head pose the frames were drawn with
    frames: int  # frames whose face was found
    yaw: float  # mean estimated yaw, degrees
    pitch: float  # mean estimated pitch, degrees


POSES: dict[str, FrameOptions] = {
    "level": {},
    "turned 15 deg right": {"yaw_deg": 15.0},
    "turned 30 deg right": {"yaw_deg": 30.0},
    "turned 45 deg right": {"yaw_deg": 45.0},
    "turned 60 deg right": {"yaw_deg": 60.0},
    "turned 30 deg left": {"yaw_deg": -30.0},
    "turned 60 deg left": {"yaw_deg": -60.0},
    "tipped 15 deg down": {"pitch_deg": 15.0},
    "tipped 30 deg down": {"pitch_deg": 30.0},
    "tipped 15 deg up": {"pitch_deg": -15.0},
    "turned 40 right, tipped 30 down": {"yaw_deg": 40.0, "pitch_deg": 30.0},
}


def pose_report(detector: FaceDetector, *, per_pose: int = 20) -> list[PoseScore]:
    """The mean head pose estimated on generated heads drawn at known poses (right: towards the picture's right)."""
    from inference.serving.pose import head_pose

    scores = []
    for name, options in POSES.items():
        poses = []
        for seed in range(per_pose):
            drawn = FrameOptions(**options)
            drawn["seed"] = seed
            frame, _ = synthetic_face_sample(**drawn)
            faces = detector.detect(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
            if faces and faces[0].landmarks is not None:
                poses.append(head_pose(faces[0].landmarks))
        yaw = statistics.fmean(p.yaw for p in poses) if poses else float("nan")
        pitch = statistics.fmean(p.pitch for p in poses) if poses else float("nan")
        scores.append(PoseScore(name, len(poses), yaw, pitch))
    return scores


def nose_heights(detector: FaceDetector, frames: Iterable[tuple[np.ndarray, Box | None]]) -> list[float]:
    """Where the nose tip sits between the eye line (0) and the mouth (1) on each found face: on mostly frontal
    faces, the median is the level-head value `inference.serving.pose.NOSE_HEIGHT_LEVEL` is set from."""
    heights = []
    for frame, _ in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        faces = detector.detect(gray)
        if not faces or faces[0].landmarks is None:
            continue
        marks = faces[0].landmarks
        eyes = (marks.eye_left[1] + marks.eye_right[1]) / 2
        if marks.mouth[1] > eyes:
            heights.append((marks.nose[1] - eyes) / (marks.mouth[1] - eyes))
    return heights
