"""Following a participant's face from one snapshot to the next instead of searching every frame whole."""

from __future__ import annotations

import numpy as np
import pytest

from inference.serving.analyzer import FaceAnalyzer
from inference.serving.detect import Detection, FaceDetector, box_overlap
from inference.training.synthetic import blank_frame_jpeg, encode_jpeg, synthetic_face_sample

Box = tuple[int, int, int, int]


def gray_sample(**options) -> tuple[np.ndarray, Box]:
    frame, truth = synthetic_face_sample(**options)
    assert truth is not None
    return frame.mean(axis=2).astype(np.uint8), truth


class CountingDetector(FaceDetector):
    """The real detector, counting its whole-frame and near searches."""

    def __init__(self) -> None:
        super().__init__()
        self.full = 0
        self.near = 0

    def detect(self, gray: np.ndarray) -> list[Detection]:
        self.full += 1
        return super().detect(gray)

    def detect_near(self, gray: np.ndarray, box: Box) -> list[Detection]:
        self.near += 1
        return super().detect_near(gray, box)


def moving_face(seed: int, steps: int) -> list[tuple[bytes, Box]]:
    """A participant shifting in their seat: the face drifts and changes size a little between snapshots."""
    frames = []
    for step in range(steps):
        frame, truth = synthetic_face_sample(
            seed=seed, offset=(0.02 * step - 0.05, 0.01 * step), face_scale=0.5 + 0.02 * (step % 3)
        )
        frames.append((encode_jpeg(frame), truth))
    return frames


@pytest.mark.parametrize(
    ("moved", "options"),
    [
        ("drifted right", {"offset": (0.06, 0.0)}),
        ("leaned in", {"face_scale": 0.62}),
        ("leaned back, down", {"face_scale": 0.45, "offset": (0.0, 0.05)}),
        ("dim room", {"brightness": 0.3, "offset": (-0.04, 0.0)}),
    ],
)
def test_a_face_that_moved_a_little_is_found_near_its_old_box(moved: str, options: dict) -> None:
    detector = FaceDetector()
    before, _ = gray_sample(seed=11, face_scale=0.55)
    old = detector.detect(before)[0].box
    after, truth = gray_sample(**{"seed": 11, "face_scale": 0.55, **options})

    near = detector.detect_near(after, old)

    assert near, moved
    assert box_overlap(near[0].box, truth) > 0.4


def test_nothing_is_found_near_when_the_face_left_or_moved_across_the_frame() -> None:
    detector = FaceDetector()
    before, _ = gray_sample(seed=12, offset=(-0.25, 0.0), face_scale=0.4)
    old = detector.detect(before)[0].box
    empty = np.full_like(before, 120)
    across, truth = gray_sample(seed=12, offset=(0.25, 0.0), face_scale=0.4)
    assert box_overlap(old, truth) == 0

    assert detector.detect_near(empty, old) == []
    assert detector.detect_near(across, old) == []
    assert any(box_overlap(d.box, truth) > 0.4 for d in detector.detect(across))


def test_a_box_outside_the_frame_finds_nothing_and_does_not_fail() -> None:
    gray, _ = gray_sample(seed=13)
    assert FaceDetector().detect_near(gray, (400, 300, 50, 50)) == []


def test_a_followed_face_is_searched_near_and_the_frame_whole_every_rescan() -> None:
    detector = CountingDetector()
    analyzer = FaceAnalyzer(model=None, detector=detector, rescan_every=4)

    for jpeg, truth in moving_face(seed=21, steps=10):
        faces = analyzer.analyze_many([jpeg], ["mia"])[0].faces  # type: ignore[union-attr]
        assert len(faces) == 1
        assert box_overlap(faces[0].box, truth) > 0.4

    # frame 1 and 6 searched whole (first sight, then after 4 followed frames), the 8 others near.
    assert (detector.full, detector.near) == (2, 8)


def test_following_gives_the_same_faces_as_searching_every_frame() -> None:
    following = FaceAnalyzer(model=None)
    searching = FaceAnalyzer(model=None)
    for jpeg, _ in moving_face(seed=22, steps=6):
        followed = following.analyze_many([jpeg], ["noah"])[0]
        searched = searching.analyze_many([jpeg])[0]
        assert box_overlap(followed.faces[0].box, searched.faces[0].box) > 0.6  # type: ignore[union-attr]
        assert followed.brightness == searched.brightness  # type: ignore[union-attr]


def test_a_lost_face_is_searched_for_in_the_whole_frame_at_once() -> None:
    detector = CountingDetector()
    analyzer = FaceAnalyzer(model=None, detector=detector)
    left, _ = synthetic_face_sample(seed=23, offset=(-0.25, 0.0), face_scale=0.4)
    right, truth = synthetic_face_sample(seed=23, offset=(0.25, 0.0), face_scale=0.4)
    analyzer.analyze_many([encode_jpeg(left)], ["mia"])

    faces = analyzer.analyze_many([encode_jpeg(right)], ["mia"])[0].faces  # type: ignore[union-attr]

    assert box_overlap(faces[0].box, truth) > 0.4
    assert (detector.full, detector.near) == (2, 1)


def test_an_empty_frame_forgets_the_face_and_the_next_one_searches_whole() -> None:
    detector = CountingDetector()
    analyzer = FaceAnalyzer(model=None, detector=detector)
    (first, _), (second, truth) = moving_face(seed=24, steps=2)
    analyzer.analyze_many([first], ["mia"])
    assert analyzer.analyze_many([blank_frame_jpeg(seed=5)], ["mia"])[0].faces == []  # type: ignore[union-attr]

    faces = analyzer.analyze_many([second], ["mia"])[0].faces  # type: ignore[union-attr]

    assert box_overlap(faces[0].box, truth) > 0.4
    assert (detector.full, detector.near) == (3, 1)


def test_streams_are_followed_separately_in_one_batch() -> None:
    detector = CountingDetector()
    analyzer = FaceAnalyzer(model=None, detector=detector)
    mia = moving_face(seed=25, steps=3)
    noah = [(encode_jpeg(f), t) for f, t in (synthetic_face_sample(seed=26, face_scale=0.4, offset=(0.2, 0.05)),)] * 3

    for (mia_jpeg, mia_truth), (noah_jpeg, noah_truth) in zip(mia, noah, strict=True):
        mia_frame, noah_frame = analyzer.analyze_many([mia_jpeg, noah_jpeg], [1, 2])
        assert box_overlap(mia_frame.faces[0].box, mia_truth) > 0.4  # type: ignore[union-attr]
        assert box_overlap(noah_frame.faces[0].box, noah_truth) > 0.4  # type: ignore[union-attr]

    assert (detector.full, detector.near) == (2, 4)


def test_only_the_most_recent_streams_are_remembered() -> None:
    detector = CountingDetector()
    analyzer = FaceAnalyzer(model=None, detector=detector, max_streams=2)
    jpeg = moving_face(seed=27, steps=1)[0][0]
    for stream in ("a", "b", "c", "a"):
        analyzer.analyze_many([jpeg], [stream])
    assert (detector.full, detector.near) == (4, 0)  # "a" was forgotten when "c" came


def test_snapshots_without_a_stream_key_are_searched_whole_every_time() -> None:
    detector = CountingDetector()
    analyzer = FaceAnalyzer(model=None, detector=detector)
    jpeg = moving_face(seed=28, steps=1)[0][0]
    analyzer.analyze_many([jpeg, jpeg])
    analyzer.analyze_many([jpeg], [None])
    assert (detector.full, detector.near) == (3, 0)


def test_stream_keys_must_match_the_snapshots() -> None:
    with pytest.raises(ValueError, match="2 snapshots but 1 stream keys"):
        FaceAnalyzer(model=None).analyze_many([b"a", b"b"], ["mia"])
