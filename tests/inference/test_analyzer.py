"""FaceAnalyzer: detection on generated faces, no-face frames, the crop, corrupt input and batching."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from inference import load_emotion_model
from inference.serving.analyzer import FaceAnalyzer, decode_gray, participant_first
from inference.serving.crop import face_crop, square_box
from inference.serving.detect import Detection, box_overlap
from inference.serving.types import EMOTIONS, InferenceError
from inference.training.synthetic import blank_frame_jpeg, encode_jpeg, synthetic_face_jpeg, synthetic_face_sample


@pytest.fixture(scope="module")
def analyzer(tiny_models: tuple[Path, Path]) -> FaceAnalyzer:
    return FaceAnalyzer(model=load_emotion_model(tiny_models[1]))


@pytest.mark.parametrize(
    "options",
    [
        {"seed": 1},
        {"seed": 2, "face_scale": 0.4},
        {"seed": 3, "face_scale": 0.75},
        {"seed": 4, "offset": (0.2, 0.0)},
        {"seed": 5, "brightness": 0.35},
        {"seed": 6, "expression": "happy"},
        {"seed": 7, "width": 640, "height": 480},
        {"seed": 8, "rotation_deg": 30.0},
        {"seed": 9, "rotation_deg": -25.0, "brightness": 0.4},
    ],
)
def test_a_generated_face_is_found_where_it_was_drawn(analyzer: FaceAnalyzer, options: dict) -> None:
    frame, truth = synthetic_face_sample(**options)
    faces = analyzer.analyze(encode_jpeg(frame))
    assert len(faces) == 1
    assert truth is not None and box_overlap(faces[0].box, truth) > 0.5
    assert faces[0].quality.face_px == min(faces[0].box[2:])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_frame_with_no_face_gives_an_empty_list(analyzer: FaceAnalyzer, seed: int) -> None:
    assert analyzer.analyze(blank_frame_jpeg(seed=seed)) == []


def test_a_black_frame_gives_no_face_and_reports_its_darkness(analyzer: FaceAnalyzer) -> None:
    frame = analyzer.analyze_frame(encode_jpeg(np.zeros((240, 320), np.uint8)))
    assert frame.faces == [] and frame.main_face is None
    assert frame.brightness < 2 and (frame.width, frame.height) == (320, 240)


def test_probabilities_cover_the_seven_emotions_and_sum_to_one(analyzer: FaceAnalyzer) -> None:
    face = analyzer.analyze(synthetic_face_jpeg(seed=11))[0]
    assert face.probabilities is not None and tuple(face.probabilities) == EMOTIONS
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert face.emotion == max(face.probabilities, key=face.probabilities.__getitem__)


def test_with_emotion_inference_off_faces_carry_no_probabilities() -> None:
    faces = FaceAnalyzer(model=None).analyze(synthetic_face_jpeg(seed=12))
    assert len(faces) == 1 and faces[0].probabilities is None and faces[0].emotion is None


@pytest.mark.parametrize(
    "payload", [b"", b"not an image", b"\xff\xd8\xff\xe0" + bytes(200), synthetic_face_jpeg(seed=1)[:300]]
)
def test_corrupt_input_raises_a_clear_inference_error(analyzer: FaceAnalyzer, payload: bytes) -> None:
    with pytest.raises(InferenceError, match=r"image|empty"):
        analyzer.analyze(payload)


def test_a_huge_image_is_refused_before_it_is_decoded() -> None:
    huge = cv2.imencode(".jpg", np.zeros((16, 5000), np.uint8))[1].tobytes()
    with pytest.raises(InferenceError, match="too large"):
        decode_gray(huge)


def test_a_batch_gives_the_same_answers_as_one_frame_at_a_time(analyzer: FaceAnalyzer) -> None:
    jpegs = [synthetic_face_jpeg(seed=s, expression=e) for s, e in [(21, "happy"), (22, "sad"), (23, "surprise")]]
    jpegs.insert(1, b"garbage")
    jpegs.insert(3, blank_frame_jpeg(seed=9))
    batched = analyzer.analyze_many(jpegs)
    assert isinstance(batched[1], InferenceError)
    assert batched[3].faces == []  # type: ignore[union-attr]
    for jpeg, together in zip(jpegs, batched, strict=True):
        if isinstance(together, InferenceError):
            continue
        alone = analyzer.analyze(jpeg)
        assert [f.box for f in alone] == [f.box for f in together.faces]
        for a, b in zip(alone, together.faces, strict=True):
            assert a.probabilities is not None and b.probabilities is not None
            assert np.allclose(list(a.probabilities.values()), list(b.probabilities.values()), atol=1e-5)


def test_the_participant_is_the_largest_most_central_face() -> None:
    passer_by = Detection((0, 0, 70, 70), 0.9, "frontal")
    participant = Detection((120, 80, 80, 80), 0.6, "frontal")
    tiny_central = Detection((150, 110, 20, 20), 0.99, "frontal")
    ranked = participant_first([passer_by, tiny_central, participant], (240, 320))
    assert ranked == [participant, passer_by, tiny_central]


def test_two_faces_in_one_snapshot_are_both_reported_participant_first(analyzer: FaceAnalyzer) -> None:
    big, big_box = synthetic_face_sample(seed=31, face_scale=0.6, offset=(-0.2, 0.0))
    small, small_box = synthetic_face_sample(seed=32, face_scale=0.35, offset=(0.3, 0.0))
    assert big_box is not None and small_box is not None
    frame = big.copy()
    x, y, w, h = square_box(small_box, margin=0.15)
    frame[y : y + h, x : x + w] = small[y : y + h, x : x + w]
    faces = analyzer.analyze(encode_jpeg(frame))
    assert len(faces) == 2
    assert box_overlap(faces[0].box, big_box) > 0.5 and box_overlap(faces[1].box, small_box) > 0.5


def test_the_crop_gives_back_a_face_placed_like_a_fer_image() -> None:
    rng = np.random.default_rng(0)
    original = cv2.GaussianBlur(rng.integers(0, 256, (48, 48), dtype=np.uint8), (0, 0), 1.5)
    frame = np.full((240, 320), 90, np.uint8)
    frame[40:184, 100:244] = cv2.resize(original, (144, 144), interpolation=cv2.INTER_CUBIC)
    crop = face_crop(frame, (100, 40, 144, 144))
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    assert np.abs(crop.astype(int) - original.astype(int)).mean() < 3.0
    assert np.corrcoef(crop.ravel(), original.ravel())[0, 1] > 0.98


def test_a_face_at_the_edge_is_cropped_with_the_edge_repeated() -> None:
    frame = np.tile(np.arange(320, dtype=np.uint8)[None, :] // 2, (240, 1))
    crop = face_crop(frame, (280, 200, 80, 60))
    assert crop.shape == (48, 48)
    assert crop[:, -1].min() == frame[:, -1].max()  # right of the frame repeats its last column


def test_square_box_keeps_the_centre_and_takes_the_longer_side() -> None:
    assert square_box((10, 20, 40, 60), margin=0.0) == (0, 20, 60, 60)
    assert square_box((0, 0, 100, 100), margin=0.1) == (-10, -10, 120, 120)


def test_opencv_threads_are_set_only_when_asked() -> None:
    before = cv2.getNumThreads()
    try:
        FaceAnalyzer(model=None)
        assert cv2.getNumThreads() == before
        FaceAnalyzer(model=None, opencv_threads=1)
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)
