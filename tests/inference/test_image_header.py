"""Decompression bombs and broken headers are refused from the JPEG's headers, before OpenCV decodes anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.serving import analyzer as analyzer_module
from inference.serving.analyzer import FaceAnalyzer, decode_gray
from inference.serving.image_header import (
    MAX_FRAME_PIXELS,
    MAX_FRAME_SIDE,
    MAX_JPEG_SCANS,
    OPENCV_MAX_IMAGE_PIXELS,
    image_header,
    snapshot_header,
)
from inference.serving.types import InferenceError
from tests.inference import crafted_jpegs
from tests.inference.crafted_jpegs import bomb, small_jpeg, with_scans, with_size

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if the analyzer hands anything to OpenCV's decoder."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("cv2.imdecode was called")

    monkeypatch.setattr(analyzer_module.cv2, "imdecode", refuse)


@pytest.mark.parametrize("name", list(crafted_jpegs.bombs()))
def test_a_bomb_is_refused_before_any_decoding(name: str, no_decoding: None) -> None:
    jpeg = crafted_jpegs.bombs()[name]
    with pytest.raises(InferenceError, match=r"too large|too many scans"):
        decode_gray(jpeg)
    assert len(FaceAnalyzer(model=None).analyze_many([jpeg])) == 1  # one InferenceError, no crash


@pytest.mark.parametrize("name", list(crafted_jpegs.broken_headers()))
def test_a_broken_header_is_refused_before_any_decoding(name: str, no_decoding: None) -> None:
    with pytest.raises(InferenceError, match="not a decodable image"):
        decode_gray(crafted_jpegs.broken_headers()[name])


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize("colour", [False, True], ids=["gray", "colour"])
@pytest.mark.parametrize("size", [(16, 16), (320, 240), (320, 569), (321, 17), (MAX_FRAME_SIDE, 960)])
def test_the_header_matches_what_opencv_decodes(progressive: bool, colour: bool, size: tuple[int, int]) -> None:
    width, height = size
    jpeg = small_jpeg(colour=colour, progressive=progressive, width=width, height=height)
    header = snapshot_header(jpeg)
    assert (header.width, header.height) == size
    assert header.components == (3 if colour else 1)
    assert header.progressive is progressive
    if not progressive:
        assert header.scans == 1
    else:  # libjpeg's standard progressive scripts
        assert header.scans == (10 if colour else 6)
    assert decode_gray(jpeg).shape == (height, width)


@pytest.mark.parametrize("colour", [False, True], ids=["gray", "colour"])
@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize(
    "size",
    [(MAX_FRAME_SIDE + 1, 16), (16, MAX_FRAME_SIDE + 1), (65535, 16), (16, 65535), (MAX_FRAME_SIDE, MAX_FRAME_SIDE)],
)
def test_one_side_too_long_or_too_many_pixels_is_refused(
    colour: bool, progressive: bool, size: tuple[int, int], no_decoding: None
) -> None:
    width, height = size
    assert width > MAX_FRAME_SIDE or height > MAX_FRAME_SIDE or width * height > MAX_FRAME_PIXELS
    with pytest.raises(InferenceError, match="too large"):
        decode_gray(bomb(width=width, height=height, colour=colour, progressive=progressive))


def test_a_progressive_jpeg_of_many_tiny_scans_is_refused(no_decoding: None) -> None:
    """Each scan walks the whole image: 16,000 of them in 200 KB kept a worker busy for a minute."""
    assert snapshot_header(with_scans(width=64, height=48, colour=True, scans=MAX_JPEG_SCANS)).scans == MAX_JPEG_SCANS
    with pytest.raises(InferenceError, match="too many scans"):
        decode_gray(with_scans(width=64, height=48, colour=True, scans=MAX_JPEG_SCANS + 1))


def test_restart_markers_and_stuffed_bytes_stay_inside_their_scan() -> None:
    image = np.random.default_rng(3).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    _, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_RST_INTERVAL, 4, cv2.IMWRITE_JPEG_QUALITY, 100])
    jpeg = encoded.tobytes()
    assert b"\xff\xd0" in jpeg and b"\xff\x00" in jpeg
    assert snapshot_header(jpeg).scans == 1
    assert decode_gray(jpeg).shape == (240, 320)


def test_a_file_cut_short_inside_its_scan_has_a_header_and_is_left_to_the_decoder() -> None:
    jpeg = small_jpeg(colour=True, progressive=False, width=320, height=240)
    header = snapshot_header(jpeg[: len(jpeg) // 2])
    assert (header.width, header.height, header.scans) == (320, 240, 1)
    with pytest.raises(InferenceError, match="not a decodable image"):  # OpenCV gives up on a cut baseline scan
        decode_gray(jpeg[: len(jpeg) // 2])


def test_a_png_is_read_from_its_header_and_a_huge_one_refused(no_decoding: None) -> None:
    png = cv2.imencode(".png", np.zeros((24, 32), np.uint8))[1].tobytes()
    header = image_header(png)
    assert (header.format, header.width, header.height, header.components) == ("png", 32, 24, 1)
    huge = png[:16] + (60000).to_bytes(4, "big") + (60000).to_bytes(4, "big") + png[24:]
    with pytest.raises(InferenceError, match="too large"):
        decode_gray(huge)


@pytest.mark.parametrize(
    "data", [b"GIF89a" + bytes(20), b"BM" + bytes(60), b"RIFF\x00\x00\x00\x00WEBPVP8 "], ids=["gif", "bmp", "webp"]
)
def test_other_formats_are_refused_unread(data: bytes, no_decoding: None) -> None:
    with pytest.raises(InferenceError, match="not a JPEG or PNG"):
        decode_gray(data)


_SAMPLE = small_jpeg(colour=True, progressive=True, width=40, height=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_SAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_a_mutated_jpeg_is_analyzed_within_its_header_or_refused(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_SAMPLE)
    for at, value in edits:
        data[at] = value
    try:
        header = snapshot_header(bytes(data))
    except InferenceError:
        return
    assert header.width <= MAX_FRAME_SIDE and header.height <= MAX_FRAME_SIDE
    try:
        gray = decode_gray(bytes(data))
    except InferenceError:
        return
    assert gray.shape == (header.height, header.width)


def _decoded_shape_in_a_fresh_process(jpeg: Path, *, import_inference_first: bool) -> str:
    code = (
        ("import inference.serving.analyzer\n" if import_inference_first else "")
        + "import sys, cv2, numpy as np\n"
        + "try:\n"
        + "    print(cv2.imdecode(np.fromfile(sys.argv[1], np.uint8), cv2.IMREAD_GRAYSCALE).shape)\n"
        + "except cv2.error as exc:\n"
        + "    print('refused' if 'CV_IO_MAX_IMAGE_PIXELS' in str(exc) else exc)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_IO_MAX_IMAGE_PIXELS"}  # this process set it
    run = subprocess.run(
        [sys.executable, "-c", code, str(jpeg)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.mark.slow
def test_importing_inference_tightens_opencvs_own_limit_for_the_whole_process(tmp_path: Path) -> None:
    side = 8200  # 67 Mpx: over the process-wide limit, well under OpenCV's default 2^30
    assert side * side > OPENCV_MAX_IMAGE_PIXELS
    big = tmp_path / "big.jpg"
    big.write_bytes(with_size(small_jpeg(colour=False, progressive=False), width=side, height=side))
    assert _decoded_shape_in_a_fresh_process(big, import_inference_first=False) == f"({side}, {side})"
    assert _decoded_shape_in_a_fresh_process(big, import_inference_first=True) == "refused"
