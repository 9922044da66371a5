"""The detector measurement: hits, misses and false alarms are counted the way the benchmark table says."""

from __future__ import annotations

import numpy as np

from inference.serving.detect import FaceDetector
from inference.training.detect_eval import empty_frames, fer_frames, score_following, score_frames, synthetic_frames
from inference.training.synthetic import drifting_face_samples


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


def test_following_counts_near_hits_and_whole_frame_rescues_separately() -> None:
    drifting = drifting_face_samples(4, seed=70)
    # The second sequence jumps across the frame after its first snapshot: found only by the whole-frame search.
    jumping = [
        synthetic_frames({"offset": (-0.25, 0.0), "face_scale": 0.4}, 1, seed=71)[0],
        synthetic_frames({"offset": (0.25, 0.0), "face_scale": 0.4}, 1, seed=71)[0],
    ]
    score = score_following(FaceDetector(), [drifting, jumping], "mixed")
    assert score.frames == 4  # every frame but each sequence's first
    assert (score.near_found, score.found) == (3, 4)
    assert score.near_recall == 0.75 and score.recall == 1.0
    assert 0 < score.near_ms <= score.followed_ms


def test_a_drifting_participant_stays_in_the_frame_and_keeps_their_room() -> None:
    frames = drifting_face_samples(30, seed=72, drift=0.1)
    boxes = [box for _, box in frames]
    assert all(box is not None for box in boxes)
    assert len(set(boxes)) > 20  # it does move
    for x, y, w, h in boxes:  # type: ignore[misc]
        assert -0.3 * w < x and x + w < 320 + 0.3 * w and -0.3 * h < y and y + h < 240 + 0.3 * h
    corner = [frame[:8, :8].astype(int).mean() for frame, _ in frames[:3]]
    assert max(corner) - min(corner) < 15  # same room behind
