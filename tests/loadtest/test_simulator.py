"""The class simulator's bookkeeping: which teacher update answers which sent frame, and the summary."""

from loadtest.frames import FramePool
from loadtest.latency import LatencyBook, percentile


def book_with_frames(pid: int, walls: list[float]) -> LatencyBook:
    book = LatencyBook()
    for wall in walls:
        book.frame_sent(pid, mono=wall - 1000.0, wall=wall)  # monotonic clock = wall - 1000 in these tests
    return book


def test_percentile_is_the_nearest_rank() -> None:
    values = [50.0, 10.0, 40.0, 20.0, 30.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == 50.0
    assert percentile(values, 20) == 10.0
    assert percentile([], 50) is None


def test_each_reading_answers_the_newest_frame_sent_before_the_server_received_it() -> None:
    book = book_with_frames(1, [100.0, 102.0])

    first = book.update_received({"id": 1, "status": "live", "last_seen": 100.02}, mono=100.25 - 1000.0)
    second = book.update_received({"id": 1, "status": "live", "last_seen": 102.01}, mono=102.05 - 1000.0)

    assert first is not None and first.seq == 0 and round(first.latency_s, 3) == 0.25
    assert second is not None and second.seq == 1 and round(second.latency_s, 3) == 0.05
    assert book.unanswered() == 0


def test_repeats_connect_tiles_and_other_students_answer_nothing() -> None:
    book = book_with_frames(1, [100.0])
    assert book.update_received({"id": 1, "status": "waiting", "last_seen": None}, mono=0.0) is None
    assert book.update_received({"id": 2, "status": "live", "last_seen": 100.5}, mono=0.0) is None
    assert book.update_received({"id": 1, "status": "live", "last_seen": 100.1}, mono=-899.0) is not None
    assert book.update_received({"id": 1, "status": "live", "last_seen": 100.1}, mono=-898.0) is None  # a repeat
    assert book.updates_seen == 4


def test_frames_superseded_by_a_later_one_count_as_dropped() -> None:
    book = book_with_frames(3, [100.0, 102.0, 104.0])

    answered = book.update_received({"id": 3, "status": "live", "last_seen": 104.1}, mono=104.3 - 1000.0)
    summary = book.summary(students=1, errors=0, streaming_s=6.0)

    assert answered is not None and answered.seq == 2
    assert book.unanswered() == 0
    assert summary["sent"] == 3
    assert summary["updates"] == 1
    assert summary["dropped"] == 2
    assert summary["latency_ms"] == {"p50": 300.0, "p95": 300.0, "max": 300.0}
    assert summary["frames_per_s"] == round(1 / 6, 2)


def test_a_tile_without_last_seen_answers_the_oldest_unanswered_frame() -> None:
    book = book_with_frames(4, [100.0, 102.0])
    answered = book.update_received({"id": 4, "status": "live"}, mono=103.0 - 1000.0)
    assert answered is not None and answered.seq == 0
    assert book.unanswered() == 1


def test_the_frame_pool_gives_each_student_a_look_and_cycles_its_expressions() -> None:
    pool = FramePool([[b"a0", b"a1"], [b"b0", b"b1"]], hold=2)
    assert [pool.frame(0, seq) for seq in range(5)] == [b"a0", b"a0", b"a1", b"a1", b"a0"]
    assert [pool.frame(1, seq) for seq in range(3)] == [b"b1", b"b1", b"b0"]
    assert pool.frame(2, 0) == b"a0"


def test_synthetic_looks_drift_and_loop_without_a_jump() -> None:
    import cv2
    import numpy as np

    from inference.serving.detect import box_overlap, detector_load

    frames = FramePool.synthetic(looks=1, seed=3).looks[0]
    assert len(frames) == 18 and frames[1] == frames[-1]  # 10 frames forwards, then back to the first
    detector = detector_load("blazeface")
    boxes = [detector.detect(cv2.imdecode(np.frombuffer(f, np.uint8), cv2.IMREAD_GRAYSCALE))[0].box for f in frames]
    assert len(set(boxes)) > 5  # the face moves
    for before, after in zip(boxes, boxes[1:] + boxes[:1], strict=True):
        assert box_overlap(before, after) > 0.3  # ... but never jumps, the loop's end included
