"""Aligned crops (turned upright by the eyes) and head pose (yaw and pitch) from BlazeFace's keypoints."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.serving.blazeface import BlazeFaceDetector
from inference.serving.crop import aligned_face_crop, face_crop
from inference.serving.detect import Detection, Landmarks
from inference.serving.pose import head_pose
from inference.training.synthetic import synthetic_face_sample


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector()


def face_in(detector: BlazeFaceDetector, frame: np.ndarray) -> tuple[np.ndarray, Detection]:
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    [face] = detector.detect(gray)
    assert face.landmarks is not None
    return gray, face


def eye_line_deg(detector: BlazeFaceDetector, crop: np.ndarray) -> float:
    """The tilt of the eye line in a 48x48 crop, in degrees, as the detector sees it in an enlarged copy."""
    big = cv2.resize(crop, (144, 144), interpolation=cv2.INTER_CUBIC)
    frame = cv2.copyMakeBorder(big, 48, 48, 88, 88, cv2.BORDER_REPLICATE)
    [face] = detector.detect(frame)
    assert face.landmarks is not None
    (lx, ly), (rx, ry) = face.landmarks.eye_left, face.landmarks.eye_right
    return float(np.degrees(np.arctan2(ry - ly, rx - lx)))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("angle", [25.0, -25.0])
def test_a_face_tilted_25_degrees_gives_an_upright_crop(detector: BlazeFaceDetector, seed: int, angle: float) -> None:
    gray, face = face_in(detector, synthetic_face_sample(seed=seed, rotation_deg=angle)[0])
    assert face.landmarks is not None
    # Upright to within the keypoints' own accuracy (a few degrees on these drawn faces).
    assert abs(eye_line_deg(detector, aligned_face_crop(gray, face.box, face.landmarks))) < 6
    # The same face cropped without turning it keeps its tilt (the picture's y axis points down).
    assert eye_line_deg(detector, face_crop(gray, face.box)) == pytest.approx(-angle, abs=6)


def test_the_crop_turns_the_eye_line_level() -> None:
    # Two dark "eyes" on a line tilted by 25 degrees: after alignment they sit on one row of the crop.
    frame = np.full((240, 320), 200, np.uint8)
    centre, half = np.array([160.0, 110.0]), 30.0
    direction = np.array([np.cos(np.radians(25)), np.sin(np.radians(25))])
    left, right = centre - half * direction, centre + half * direction
    for eye in (left, right):
        cv2.circle(frame, (round(eye[0]), round(eye[1])), 6, 0, -1)
    marks = Landmarks(
        eye_left=tuple(left), eye_right=tuple(right), nose=(160, 130), mouth=(160, 150), ear_left=(110, 120),
        ear_right=(210, 120),
    )  # fmt: skip
    crop = aligned_face_crop(frame, (110, 70, 100, 100), marks, scale=1.0, offset=0.0)
    rows, cols = np.nonzero(crop < 100)
    left_eye, right_eye = rows[cols < 24], rows[cols >= 24]
    assert len(left_eye) and len(right_eye)
    assert abs(left_eye.mean() - right_eye.mean()) < 1.0


def test_a_crop_past_the_frame_edge_repeats_the_edge() -> None:
    frame = np.tile(np.arange(320, dtype=np.uint8)[None, :] // 2, (240, 1))
    marks = Landmarks((290, 220), (310, 220), (300, 230), (300, 240), (280, 225), (320, 225))
    crop = aligned_face_crop(frame, (280, 200, 60, 60), marks)
    assert crop.shape == (48, 48) and crop[:, -1].min() == frame[:, -1].max()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_head_pose_says_which_way_the_head_turned(detector: BlazeFaceDetector, seed: int) -> None:
    yaw = {}
    for turn in (-30.0, 0.0, 30.0):
        _, face = face_in(detector, synthetic_face_sample(seed=seed, yaw_deg=turn)[0])
        assert face.landmarks is not None
        yaw[turn] = head_pose(face.landmarks).yaw
    assert yaw[30.0] > 15 and yaw[-30.0] < -15  # towards the picture's right is positive
    assert abs(yaw[0.0]) < 8


def test_a_mirrored_face_has_the_opposite_yaw_and_the_same_pitch(detector: BlazeFaceDetector) -> None:
    frame = synthetic_face_sample(seed=5, yaw_deg=25.0, pitch_deg=10.0)[0]
    _, face = face_in(detector, frame)
    _, mirrored = face_in(detector, frame[:, ::-1].copy())
    assert face.landmarks is not None and mirrored.landmarks is not None
    pose, other = head_pose(face.landmarks), head_pose(mirrored.landmarks)
    assert pose.yaw > 10 and other.yaw == pytest.approx(-pose.yaw, abs=5)
    assert other.pitch == pytest.approx(pose.pitch, abs=5)


def test_looking_down_raises_pitch_and_leaves_yaw_near_zero(detector: BlazeFaceDetector) -> None:
    _, level = face_in(detector, synthetic_face_sample(seed=6)[0])
    _, down = face_in(detector, synthetic_face_sample(seed=6, pitch_deg=30.0)[0])
    assert level.landmarks is not None and down.landmarks is not None
    assert head_pose(down.landmarks).pitch > head_pose(level.landmarks).pitch + 10
    assert abs(head_pose(down.landmarks).yaw) < 10


def test_tilting_the_head_in_the_picture_is_not_a_turn(detector: BlazeFaceDetector) -> None:
    _, tilted = face_in(detector, synthetic_face_sample(seed=7, rotation_deg=30.0)[0])
    assert tilted.landmarks is not None
    assert abs(head_pose(tilted.landmarks).yaw) < 10


def test_degenerate_keypoints_give_a_level_pose() -> None:
    same = (100.0, 100.0)
    assert head_pose(Landmarks(same, same, same, same, same, same)).yaw == 0.0
