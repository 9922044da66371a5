"""Crafted JPEGs: decompression bombs (a tiny file whose frame header claims a huge image) and broken headers.

`python -m tests.inference.crafted_jpegs OUT_DIR` writes every case to OUT_DIR as <name>.jpg, for measuring
`python -m inference analyze` on them (docs/benchmarks.md).
"""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import cv2
import numpy as np

SOI, SOS, EOI = b"\xff\xd8", b"\xff\xda", b"\xff\xd9"
SOF_MARKERS = {0xC0, 0xC1, 0xC2}


def small_jpeg(*, colour: bool, progressive: bool, width: int = 16, height: int = 16, black: bool = False) -> bytes:
    """An ordinary JPEG as OpenCV (libjpeg-turbo) writes it, 1 or 3 components, of noise (or all black)."""
    shape = (height, width, 3) if colour else (height, width)
    image = np.zeros(shape, np.uint8) if black else np.random.default_rng(7).integers(0, 256, shape, dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)])
    assert ok
    return encoded.tobytes()


def segments(jpeg: bytes) -> list[tuple[int, int, int]]:
    """(marker, offset of its 0xFF, segment length) of each segment up to and including the first SOS."""
    found, i = [], 2
    while i + 4 <= len(jpeg):
        marker, length = jpeg[i + 1], struct.unpack(">H", jpeg[i + 2 : i + 4])[0]
        found.append((marker, i, length))
        if marker == SOS[1]:
            break
        i += 2 + length
    return found


def sof_offset(jpeg: bytes) -> int:
    return next(offset for marker, offset, _ in segments(jpeg) if marker in SOF_MARKERS)


def with_size(jpeg: bytes, *, width: int, height: int) -> bytes:
    """The same JPEG with its frame header claiming width x height."""
    at = sof_offset(jpeg) + 5  # FF Cx, length (2), precision (1), then height and width
    return jpeg[:at] + struct.pack(">HH", height, width) + jpeg[at + 4 :]


def cut_after_first_scan_header(jpeg: bytes, *, keep: int = 16) -> bytes:
    """The JPEG up to its first scan header and `keep` bytes of that scan's data: no more scans, no EOI."""
    _, offset, length = segments(jpeg)[-1]
    return jpeg[: offset + 2 + length + keep]


def bomb(*, width: int, height: int, colour: bool, progressive: bool) -> bytes:
    """A 150-950 byte file whose header claims width x height. A progressive one is cut short after its first
    scan header (the decoder still allocates every coefficient of the whole image); a baseline one keeps its
    16x16 scan (cut short, OpenCV gives up at once; whole, it decodes the rest as gray)."""
    jpeg = with_size(small_jpeg(colour=colour, progressive=progressive), width=width, height=height)
    return cut_after_first_scan_header(jpeg) if progressive else jpeg


def scans_of(jpeg: bytes) -> list[bytes]:
    """Each scan of a JPEG as it is stored: its SOS segment and its entropy-coded data."""
    found, i = [], 2
    while i + 4 <= len(jpeg) and jpeg[i + 1] != EOI[1]:
        end = i + 2 + struct.unpack(">H", jpeg[i + 2 : i + 4])[0]
        if jpeg[i + 1] == SOS[1]:
            while jpeg[end] != 0xFF or jpeg[end + 1] == 0 or 0xD0 <= jpeg[end + 1] <= 0xD7:
                end += 1
            found.append(jpeg[i:end])
        i = end
    return found


def with_scans(*, width: int, height: int, colour: bool, scans: int) -> bytes:
    """A progressive all-black width x height JPEG whose last scan (a few bytes: every block is empty) is repeated
    until the file holds `scans` scans. libjpeg decodes each one over the whole image."""
    jpeg = small_jpeg(colour=colour, progressive=True, width=width, height=height, black=True)
    own = scans_of(jpeg)
    assert scans >= len(own)
    return jpeg[:-2] + own[-1] * (scans - len(own)) + EOI


def scans_to_fill(*, width: int, height: int, colour: bool, size: int) -> bytes:
    """As `with_scans`, with as many scans as fit in `size` bytes."""
    jpeg = small_jpeg(colour=colour, progressive=True, width=width, height=height, black=True)
    own = scans_of(jpeg)
    scans = len(own) + (size - len(jpeg)) // len(own[-1])
    return with_scans(width=width, height=height, colour=colour, scans=scans)


def without_sof(jpeg: bytes) -> bytes:
    at = sof_offset(jpeg)
    length = struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
    return jpeg[:at] + jpeg[at + 2 + length :]


def with_sof_length(jpeg: bytes, length: int) -> bytes:
    at = sof_offset(jpeg) + 2
    return jpeg[:at] + struct.pack(">H", length) + jpeg[at + 2 :]


def with_sof_marker(jpeg: bytes, marker: int) -> bytes:
    at = sof_offset(jpeg) + 1
    return jpeg[:at] + bytes([marker]) + jpeg[at + 1 :]


def with_components(jpeg: bytes, count: int) -> bytes:
    """The frame header's component count changed (its length and component table left as they were)."""
    at = sof_offset(jpeg) + 9
    return jpeg[:at] + bytes([count]) + jpeg[at + 1 :]


def with_two_sofs(jpeg: bytes) -> bytes:
    at = sof_offset(jpeg)
    length = struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
    sof = jpeg[at : at + 2 + length]
    return jpeg[:at] + sof + sof + jpeg[at + 2 + length :]


def with_garbage_before_sof(jpeg: bytes) -> bytes:
    at = sof_offset(jpeg)
    return jpeg[:at] + b"\x00garbage" + jpeg[at:]


def header_cut_inside_a_segment(jpeg: bytes) -> bytes:
    return jpeg[: sof_offset(jpeg) + 6]


def dqt_claiming_past_the_end(jpeg: bytes) -> bytes:
    _, offset, _ = segments(jpeg)[1]  # after APP0: the quantisation table
    return jpeg[: offset + 2] + b"\xff\xff" + jpeg[offset + 4 : offset + 40]


def bombs() -> dict[str, bytes]:
    """Decompression bombs: tiny files claiming huge images, in every shape the decoder treats differently."""
    return {
        "progressive-gray-60000x60000": bomb(width=60000, height=60000, colour=False, progressive=True),
        "progressive-colour-60000x60000": bomb(width=60000, height=60000, colour=True, progressive=True),
        "baseline-gray-60000x60000": bomb(width=60000, height=60000, colour=False, progressive=False),
        "baseline-colour-60000x60000": bomb(width=60000, height=60000, colour=True, progressive=False),
        "progressive-gray-16x65500": bomb(width=16, height=65500, colour=False, progressive=True),
        "progressive-colour-65500x16": bomb(width=65500, height=16, colour=True, progressive=True),
        "baseline-gray-65500x16": bomb(width=65500, height=16, colour=False, progressive=False),
        "progressive-gray-20000x20000": bomb(width=20000, height=20000, colour=False, progressive=True),
        "progressive-colour-20000x20000": bomb(width=20000, height=20000, colour=True, progressive=True),
        "progressive-gray-1280x960-200KB-of-scans": scans_to_fill(width=1280, height=960, colour=False, size=200_000),
        "progressive-colour-1280x960-200KB-of-scans": scans_to_fill(width=1280, height=960, colour=True, size=200_000),
    }


def broken_headers() -> dict[str, bytes]:
    """Files that are not well-formed JPEGs up to their first scan."""
    gray = small_jpeg(colour=False, progressive=False)
    colour = small_jpeg(colour=True, progressive=True)
    return {
        "sof-missing": without_sof(gray),
        "sof-missing-progressive": without_sof(colour),
        "sof-too-short": with_sof_length(gray, 5),
        "sof-length-disagrees-with-components": with_components(gray, 3),
        "sof-no-components": with_components(gray, 0),
        "two-sofs": with_two_sofs(colour),
        "zero-height": with_size(gray, width=16, height=0),
        "zero-width": with_size(colour, width=0, height=16),
        "lossless": with_sof_marker(gray, 0xC3),
        "arithmetic": with_sof_marker(colour, 0xCA),
        "garbage-between-segments": with_garbage_before_sof(gray),
        "cut-inside-the-sof": header_cut_inside_a_segment(gray),
        "segment-past-the-end": dqt_claiming_past_the_end(gray),
        "soi-only": SOI,
        "soi-eoi": SOI + EOI,
        "no-scan": gray[: segments(gray)[-1][1]],
    }


def largest_accepted() -> dict[str, bytes]:
    """The costliest files a snapshot may be: the largest size, the most scans, noise (the most data to decode)."""
    return {
        "accepted-baseline-colour-1280x960-noise": small_jpeg(colour=True, progressive=False, width=1280, height=960),
        "accepted-progressive-colour-1280x960-noise": small_jpeg(colour=True, progressive=True, width=1280, height=960),
        "accepted-progressive-colour-1280x960-32-scans": with_scans(width=1280, height=960, colour=True, scans=32),
    }


def main(argv: list[str]) -> int:
    """Writes every case; with --time, also times FaceAnalyzer(model=None).analyze_frame on each, in process."""
    if len(argv) not in (1, 2) or (len(argv) == 2 and argv[1] != "--time"):
        print("usage: python -m tests.inference.crafted_jpegs OUT_DIR [--time]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    analyzer = None
    if len(argv) == 2:
        from inference.serving.analyzer import FaceAnalyzer

        analyzer = FaceAnalyzer(model=None)
    for name, data in {**bombs(), **broken_headers(), **largest_accepted()}.items():
        (out / f"{name}.jpg").write_bytes(data)
        line = f"{out / name}.jpg  {len(data)} bytes"
        if analyzer is not None:
            line += "  " + _timed(analyzer, data)
        print(line)
    return 0


def _timed(analyzer, data: bytes) -> str:
    from inference.serving.types import InferenceError

    started = time.perf_counter()
    try:
        outcome = f"{len(analyzer.analyze_frame(data).faces)} faces"
    except InferenceError as exc:
        outcome = f"refused: {exc}"
    return f"{(time.perf_counter() - started) * 1000:.2f} ms  {outcome}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
