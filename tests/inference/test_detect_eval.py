"""The detector measurement: hits, misses and false alarms are counted the way the benchmark table says."""

from __future__ import annotations

import numpy as np
import pytest

from inference.serving.detect import DETECTORS, detector_load
from inference.training.detect_eval import CONDITIONS, empty_frames, fer_frames, score_frames, synthetic_frames


@pytest.mark.parametrize("kind", DETECTORS)
def test_found_faces_misses_and_false_alarms_are_counted(kind: str) -> None:
    detector = detector_load(kind)
    faces = synthetic_frames({}, 3, seed=50)
    wrong_place = [(frame, (0, 0, 20, 20)) for frame, _ in synthetic_frames({}, 2, seed=60)]
    score = score_frames(detector, [*faces, *wrong_place, *empty_frames(2)], "mixed")
    assert (score.frames, score.found) == (7, 3)
    assert score.false_alarms == 2  # the two faces whose true box was elsewhere
    assert score.recall == 3 / 7 and score.ms_per_frame > 0


def test_fer_faces_are_pasted_at_their_true_box() -> None:
    faces = np.random.default_rng(0).integers(0, 256, (4, 48, 48), dtype=np.uint8)
    for (frame, box), face in zip(fer_frames(faces), faces, strict=True):
        assert box is not None
        x, y, w, h = box
        assert frame.shape == (240, 320, 3) and w == h and 100 <= w <= 170
        pasted = frame[y : y + h, x : x + w, 0]
        assert abs(float(pasted.mean()) - float(face.mean())) < 3.0


def test_odd_frames_tilt_and_turn_the_other_way() -> None:
    from inference.training.synthetic import synthetic_face_sample

    (_, _), (second, _) = synthetic_frames({"yaw_deg": 30.0, "rotation_deg": 15.0}, 2, seed=5)
    other_way, _ = synthetic_face_sample(seed=6, yaw_deg=-30.0, rotation_deg=-15.0)
    assert np.array_equal(second, other_way)


def test_every_condition_draws_a_face() -> None:
    assert {"tilted 45 deg", "turned 60 deg", "partly covered (hand over the lower 40%)"} <= set(CONDITIONS)
    for options in CONDITIONS.values():
        frame, box = synthetic_frames(options, 1, seed=7)[0]
        assert box is not None and frame.shape == (240, 320, 3)
