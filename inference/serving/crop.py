"""Cut a detected face out of a frame the way FER-2013's faces are cut, and measure how usable it is.

FER-2013's 48x48 images were registered by a face detector and are upright and tight: the face fills the
square from roughly mid-forehead to the chin and from cheek to cheek. Two crops:

- `aligned_face_crop` (BlazeFace, which gives eye keypoints): the square is turned with the eye line, so a
  tilted head comes out upright, and framed by ALIGNED_SCALE and ALIGNED_OFFSET relative to the box. Those
  two were chosen by measurement: the framing that gives the shipped emotion model its best accuracy on
  FER-2013 PublicTest faces pasted into frames (docs/benchmarks.md, "Crop framing").
- `face_crop` (Haar, no keypoints): OpenCV's frontal Haar boxes cover almost FER's area, so the crop is the
  box, squared about its centre and widened by `CROP_MARGIN`.

Both are resized to 48x48 with area interpolation. The classifier rescales gray levels itself, so the crop
stays uint8 0-255, exactly as the training images are stored.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from inference.serving.detect import Box, Landmarks
from inference.serving.pose import eye_roll
from inference.serving.types import FaceQuality

FACE_SIZE = 48
CROP_MARGIN = 0.0  # fraction of the box side added on each side; Haar boxes already match FER's framing
ALIGNED_SCALE = 1.2  # the aligned crop's side, in BlazeFace box sides
ALIGNED_OFFSET = 0.0  # how far the aligned crop's centre sits below the box centre, in crop sides


def square_box(box: Box, *, margin: float = CROP_MARGIN) -> Box:
    """The square (x, y, side, side) centred on `box`, its side the box's longer side grown by `margin` each way."""
    x, y, w, h = box
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx, cy = x + w / 2.0, y + h / 2.0
    return round(cx - side / 2.0), round(cy - side / 2.0), round(side), round(side)


def face_crop(gray: np.ndarray, box: Box, *, margin: float = CROP_MARGIN, size: int = FACE_SIZE) -> np.ndarray:
    """The (size, size) uint8 crop of `box` from a (H, W) uint8 frame; parts outside the frame repeat its edge."""
    x, y, side, _ = square_box(box, margin=margin)
    if side <= 0:
        raise ValueError(f"empty face box {box}")
    height, width = gray.shape
    pad = max(0, -x, -y, x + side - width, y + side - height)
    if pad:
        gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x, y = x + pad, y + pad
    patch = gray[y : y + side, x : x + side]
    interpolation = cv2.INTER_AREA if side >= size else cv2.INTER_LINEAR
    return cv2.resize(patch, (size, size), interpolation=interpolation)


def aligned_face_crop(
    gray: np.ndarray,
    box: Box,
    landmarks: Landmarks,
    *,
    scale: float = ALIGNED_SCALE,
    offset: float = ALIGNED_OFFSET,
    size: int = FACE_SIZE,
) -> np.ndarray:
    """The (size, size) uint8 crop of the face in `box`, turned so its eye line is level.

    The crop's side is `scale` box sides; its centre is the box centre moved `offset` crop sides towards the
    chin (along the upright face's vertical). Parts outside the frame repeat its edge.
    """
    x, y, w, h = box
    side = max(w, h) * scale
    if side <= 0:
        raise ValueError(f"empty face box {box}")
    roll = eye_roll(landmarks)
    cos, sin = math.cos(roll), math.sin(roll)
    cx = x + w / 2.0 - sin * offset * side
    cy = y + h / 2.0 + cos * offset * side
    # Cut at about the face's own resolution, then shrink with area interpolation (a direct warp to 48 px aliases).
    native = max(size, min(round(side), 4 * size))
    step = side / native
    half = (native - 1) / 2.0
    # Output pixel (u, v) -> frame point centre + (u - half) * step * (cos, sin) + (v - half) * step * (-sin, cos).
    to_frame = np.array(
        [
            [cos * step, -sin * step, cx - (cos - sin) * step * half],
            [sin * step, cos * step, cy - (sin + cos) * step * half],
        ]
    )
    patch = cv2.warpAffine(
        gray,
        to_frame,
        (native, native),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    if native == size:
        return patch
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian: high for a crisp image, low (under ~50 at 48x48) for a blurred one."""
    # A uint8 image's 3x3 Laplacian fits in int16 exactly; OpenCV's meanStdDev is 2-3x faster than numpy's var.
    _mean, std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))
    return float(std[0, 0]) ** 2


def face_quality(crop: np.ndarray, box: Box) -> FaceQuality:
    """Size, brightness and sharpness of one face, for the engagement layer's "can't see you well" hints."""
    return FaceQuality(face_px=int(min(box[2], box[3])), brightness=float(crop.mean()), blur=sharpness(crop))
