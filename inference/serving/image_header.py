"""What an image file claims to be, read from its headers without decoding a pixel; and what a snapshot may be.

A decoder's memory and time follow what the header claims, not the file's size: a 152-byte progressive JPEG
that claims 60000x60000 px makes libjpeg allocate every coefficient of that image (7 GB), and a 200 KB one
made of 16,000 tiny scans walks a 1280x1280 image 16,000 times (20 s). `snapshot_header` reads the JPEG
frame header (SOF) and counts the scans, so the analyzer refuses such a file before OpenCV sees it.

No OpenCV here: `inference/__init__` reads `OPENCV_MAX_IMAGE_PIXELS` before anything imports cv2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inference.serving.types import InferenceError

# The student page sends 320 px wide snapshots (320x240 from a 4:3 camera, 320x569 from a 9:16 phone held
# upright). Anything within 4x that on each side is analyzed; anything larger is refused unread.
MAX_FRAME_SIDE = 1280
MAX_FRAME_PIXELS = 1280 * 960
# Browsers' JPEG encoders write one scan (baseline); libjpeg's progressive scripts write 6 (gray) or 10 (colour).
MAX_JPEG_SCANS = 32
# OpenCV's own limit for every decode in a process that imports `inference` (its default is 2^30 px). A
# backstop far above a snapshot, so the command-line tools still read ordinary photos.
OPENCV_MAX_IMAGE_PIXELS = 8192 * 8192

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_SOF_PROGRESSIVE = {0xC0: False, 0xC1: False, 0xC2: True}  # Huffman-coded baseline, extended, progressive
_SOF_UNSUPPORTED = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # lossless, hierarchical, arithmetic
_STANDALONE = {0x01, _SOI, *range(0xD0, 0xD8)}  # TEM, SOI, RSTn: never between segments before or after a scan
# Inside a scan's entropy-coded data 0xFF is followed by 0x00 (a data byte) or RSTn; anything else is a marker.
_MARKER_AFTER_SCAN = re.compile(rb"\xff(?=[\x01-\xcf\xd8-\xfe])")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}  # by IHDR colour type


@dataclass(frozen=True)
class ImageHeader:
    format: str  # "jpeg" or "png"
    width: int
    height: int
    components: int  # colour components (JPEG) or channels (PNG)
    progressive: bool  # a progressive JPEG, or an interlaced PNG
    scans: int  # a JPEG's scans up to its end; 1 for a PNG


def snapshot_header(data: bytes) -> ImageHeader:
    """The header of a JPEG (or PNG) that is small enough to analyze.

    Raises InferenceError for anything else: not a well-formed JPEG or PNG, larger than MAX_FRAME_SIDE on a
    side or MAX_FRAME_PIXELS in all, or a JPEG of more than MAX_JPEG_SCANS scans.
    """
    header = image_header(data, stop_after_scans=MAX_JPEG_SCANS + 1)
    width, height = header.width, header.height
    if width > MAX_FRAME_SIDE or height > MAX_FRAME_SIDE or width * height > MAX_FRAME_PIXELS:
        raise InferenceError(
            f"image too large ({width}x{height} px; snapshots are at most {MAX_FRAME_SIDE} px a side "
            f"and {MAX_FRAME_PIXELS} px in all)"
        )
    if header.scans > MAX_JPEG_SCANS:
        raise InferenceError(f"image has too many scans (over {MAX_JPEG_SCANS})")
    return header


def image_header(data: bytes, *, stop_after_scans: int | None = None) -> ImageHeader:
    """The header of a JPEG or PNG file; InferenceError when it is neither, or its headers are broken."""
    if data.startswith(b"\xff\xd8"):
        return jpeg_header(data, stop_after_scans=stop_after_scans)
    if data.startswith(_PNG_SIGNATURE):
        return png_header(data)
    raise _unreadable(data, "not a JPEG or PNG")


def jpeg_header(data: bytes, *, stop_after_scans: int | None = None) -> ImageHeader:
    """The frame header (SOF) of a JPEG and how many scans follow it (counted up to `stop_after_scans`), read
    segment by segment.

    Stricter than libjpeg: bytes between segments, a second frame header, a scan before the frame header, an
    unsupported coding (lossless, hierarchical, arithmetic), a frame that is not 8-bit with 1-4 components,
    or a zero size (a height defined later by DNL) are all refused. A file cut short after its first scan
    header is read up to the cut (libjpeg decodes what is there and fills in the rest).
    """
    if not data.startswith(b"\xff\xd8"):
        raise _unreadable(data, "not a JPEG")
    pos, frame, scans = 2, None, 0
    while pos < len(data):
        if data[pos] != 0xFF:
            raise _unreadable(data, f"bytes between segments at offset {pos}")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes may precede a marker
            pos += 1
        if pos == len(data):
            break
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            break
        if marker in _STANDALONE or marker == 0x00:
            raise _unreadable(data, f"marker 0x{marker:02x} out of place at offset {pos - 2}")
        if pos + 2 > len(data):
            break
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            raise _unreadable(data, f"segment 0x{marker:02x} of {length} bytes")
        if pos + length > len(data):
            if scans:  # cut short after a scan: libjpeg stops there too
                break
            raise _unreadable(data, f"segment 0x{marker:02x} of {length} bytes runs past the end")
        body = data[pos + 2 : pos + length]
        pos += length
        if marker in _SOF_UNSUPPORTED:
            raise _unreadable(data, f"unsupported JPEG coding (SOF 0x{marker:02x})")
        if marker in _SOF_PROGRESSIVE:
            if frame is not None:
                raise _unreadable(data, "two frame headers")
            frame = _jpeg_frame(data, body, progressive=_SOF_PROGRESSIVE[marker])
        elif marker == _SOS:
            if frame is None:
                raise _unreadable(data, "a scan before the frame header")
            scans += 1
            if scans == stop_after_scans:
                break
            found = _MARKER_AFTER_SCAN.search(data, pos)
            if found is None:  # the file ends inside this scan
                break
            pos = found.start()
    if frame is None:
        raise _unreadable(data, "no frame header (SOF)")
    if scans == 0:
        raise _unreadable(data, "no image data (no scan)")
    width, height, components, progressive = frame
    return ImageHeader("jpeg", width, height, components, progressive, scans)


def _jpeg_frame(data: bytes, body: bytes, *, progressive: bool) -> tuple[int, int, int, bool]:
    """(width, height, components, progressive) from a frame header's body (after its length)."""
    if len(body) < 6:
        raise _unreadable(data, "frame header too short")
    precision, components = body[0], body[5]
    height, width = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big")
    if len(body) != 6 + 3 * components:
        raise _unreadable(data, f"frame header of {len(body) + 2} bytes for {components} components")
    if precision != 8 or not 1 <= components <= 4:
        raise _unreadable(data, f"unsupported JPEG ({precision}-bit, {components} components)")
    sampling = body[7 : 6 + 3 * components : 3]
    if any(not (1 <= factor >> 4 <= 4 and 1 <= factor & 0x0F <= 4) for factor in sampling):
        raise _unreadable(data, "bad sampling factors")
    if width == 0 or height == 0:
        raise _unreadable(data, f"no size in the frame header ({width}x{height})")
    return width, height, components, progressive


def png_header(data: bytes) -> ImageHeader:
    """Size and channels from a PNG's first chunk (IHDR)."""
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        raise _unreadable(data, "not a PNG, or no IHDR chunk first")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    colour_type, interlace = data[25], data[28]
    if width == 0 or height == 0 or colour_type not in _PNG_CHANNELS:
        raise _unreadable(data, f"bad PNG header ({width}x{height}, colour type {colour_type})")
    return ImageHeader("png", width, height, _PNG_CHANNELS[colour_type], interlace == 1, 1)


def _unreadable(data: bytes, why: str) -> InferenceError:
    return InferenceError(f"not a decodable image ({len(data)} bytes): {why}")
