"""The detector measurement: hits, misses and false alarms are counted the way the benchmark table says."""

from __future__ import annotations

import numpy as np

from inference.detect import FaceDetector
from inference.detect_eval import empty_frames, fer_frames, score_frames, synthetic_frames


def test_found_faces_misses_and_false_alarms_are_counted() -> None:
    detector = FaceDetector()
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
