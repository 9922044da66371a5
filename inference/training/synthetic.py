"""Drawn webcam frames with a face in them, for tests, the bench, load simulation and fake browser video.

The faces are cartoons, but drawn with the light/dark layout the Haar frontal cascade keys on (dark brows
and eye sockets over bright cheeks, a bright nose bridge between the eyes, a darker mouth), so OpenCV finds
them across seeds, scales, small rotations and lighting. Every frame is a pure function of its arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypedDict, Unpack

import cv2
import numpy as np

Expression = Literal["neutral", "happy", "sad", "surprise", "angry"]
EXPRESSIONS: tuple[Expression, ...] = ("neutral", "happy", "sad", "surprise", "angry")


def _background(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A softly lit room: a color gradient plus a few blurred rectangles (shelves, a door). BGR float32."""
    top = rng.uniform(70, 170, 3)
    bottom = rng.uniform(40, 140, 3)
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).astype(np.float32).copy()
    for _ in range(int(rng.integers(2, 5))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(20, width // 2)), y0 + int(rng.integers(20, height // 2))
        cv2.rectangle(image, (x0, y0), (x1, y1), rng.uniform(30, 200, 3).tolist(), -1)
    return cv2.GaussianBlur(image, (0, 0), 3)


def _ellipse(
    image: np.ndarray,
    center: tuple[float, float],
    axes: tuple[float, float],
    color: object,
    angle: float = 0.0,
    start: int = 0,
    end: int = 360,
    thickness: int = -1,
) -> None:
    """Draw an anti-aliased ellipse with sub-pixel center and axes (cv2 wants ints; shift=4 gives 1/16 px)."""
    scale = 16
    c = (round(center[0] * scale), round(center[1] * scale))
    a = (max(1, round(axes[0] * scale)), max(1, round(axes[1] * scale)))
    cv2.ellipse(image, c, a, angle, start, end, color, thickness, cv2.LINE_AA, 4)  # type: ignore[call-overload]


class _Head:
    """Where a point of an upright, frontal face drawing lands once the head turns (yaw) and nods (pitch).

    The face is an ellipsoid `fw` wide, `fh` tall and `fw / 2` deep; a point (dx, dy) of the frontal drawing
    sits on its surface, the nose tip `nose` in front of it. Yaw turns the head towards the picture's right
    (positive) and pitch tips it down (positive); the picture is an orthographic view.
    """

    def __init__(self, cx: float, cy: float, fw: float, fh: float, yaw_deg: float, pitch_deg: float) -> None:
        self.cx, self.cy, self.fw, self.fh = cx, cy, fw, fh
        self.yaw, self.pitch = np.radians(yaw_deg), np.radians(pitch_deg)

    def depth(self, dx: float, dy: float) -> float:
        inside = 1.0 - (dx / (self.fw / 2)) ** 2 - (dy / (self.fh / 2)) ** 2
        return self.fw / 2 * float(np.sqrt(max(inside, 0.0)))

    def point(self, dx: float, dy: float, *, z: float | None = None) -> tuple[float, float]:
        z = self.depth(dx, dy) if z is None else z
        x1 = dx * np.cos(self.yaw) + z * np.sin(self.yaw)
        z1 = -dx * np.sin(self.yaw) + z * np.cos(self.yaw)
        y2 = dy * np.cos(self.pitch) + z1 * np.sin(self.pitch)
        return self.cx + float(x1), self.cy + float(y2)

    def squeeze(self, dx: float, dy: float) -> tuple[float, float]:
        """How much a small feature at (dx, dy) is foreshortened across and down (1: as in the frontal drawing)."""
        across = np.arcsin(np.clip(dx / (self.fw / 2), -1, 1))
        down = np.arcsin(np.clip(dy / (self.fh / 2), -1, 1))
        return (
            float(max(np.cos(across + self.yaw), 0.0) / np.cos(across)),
            float(max(np.cos(down - self.pitch), 0.0) / np.cos(down)),
        )


def _draw_face(
    image: np.ndarray,
    rng: np.random.Generator,
    cx: float,
    cy: float,
    face_h: float,
    expression: Expression,
    *,
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    cover: float = 0.0,
) -> None:
    """Draw one face centred on (cx, cy), `face_h` pixels from hairline to chin, into BGR `image`, turned by
    `yaw_deg` and nodding by `pitch_deg` (see _Head), its lower `cover` share hidden behind a hand."""
    fw, fh = face_h * 0.78, face_h
    head = _Head(cx, cy, fw, fh, yaw_deg, pitch_deg)
    tone = rng.uniform(0.0, 1.0)  # dark to light skin, BGR endpoints of a natural range
    skin = np.array([70.0, 95.0, 135.0]) * (1 - tone) + np.array([175.0, 195.0, 235.0]) * tone
    skin = skin * rng.uniform(0.93, 1.07, 3)
    hair = rng.uniform(15, 70) * rng.uniform(0.7, 1.3, 3)
    shirt = rng.uniform(30, 220, 3)
    dark = (skin * 0.35).tolist()
    # Shoulders, hair behind the head, and the neck.
    _ellipse(image, (cx, cy + fh * 1.15), (fw * 1.25, fh * 0.55), shirt.tolist())
    # The back of the head shows on the side the face turns away from.
    back = -fw * 0.3 * float(np.sin(head.yaw))
    _ellipse(image, (cx + back, cy - fh * 0.08), (fw * 0.56 + abs(back) * 0.5, fh * 0.58), hair.tolist())
    cv2.rectangle(
        image,
        (int(cx - fw * 0.22), int(cy + fh * 0.3)),
        (int(cx + fw * 0.22), int(cy + fh * 0.75)),
        (skin * 0.8).tolist(),
        -1,
    )
    _ellipse(image, (cx, cy + fh * 0.02), (fw * 0.5, fh * 0.5), skin.tolist())
    # Fringe: hair over the forehead top.
    fringe = head.point(0.0, -fh * 0.42, z=0.0)
    _ellipse(image, (fringe[0], cy - fh * 0.42), (fw * 0.5, fh * 0.16), hair.tolist(), start=180, end=360)
    eye_dy = -fh * 0.08
    eye_dx = fw * float(rng.uniform(0.2, 0.24))
    eye_w, eye_h = fw * 0.12, fh * 0.05
    brow_lift = {"surprise": 0.05, "angry": -0.015, "sad": 0.02}.get(expression, 0.0) * fh
    for side in (-1, 1):
        ex, ey = head.point(side * eye_dx, eye_dy)
        sx, sy = head.squeeze(side * eye_dx, eye_dy)
        if sx < 0.1:
            continue  # turned out of sight
        _ellipse(image, (ex, ey), (eye_w * 1.35 * sx, eye_h * 1.9 * sy), (skin * 0.62).tolist())  # socket shadow
        open_h = eye_h * (1.4 if expression == "surprise" else 0.8 if expression == "happy" else 1.0)
        _ellipse(image, (ex, ey), (eye_w * sx, open_h * sy), (225, 225, 225))
        _ellipse(image, (ex, ey), (eye_h * 0.95 * sx, eye_h * 0.95 * sy), dark)
        tilt = {"angry": 12.0, "sad": -10.0}.get(expression, 0.0) * side
        brow = head.point(side * eye_dx, eye_dy - fh * 0.085 - brow_lift)
        _ellipse(image, brow, (eye_w * 1.3 * sx, fh * 0.022 * sy), hair.tolist(), angle=tilt)
    # Nose: a bright bridge from between the eyes to the tip, which stands out of the face, and darker nostrils.
    nose_top = head.point(0.0, eye_dy - fh * 0.02)
    nose_tip = head.point(0.0, fh * 0.12, z=head.depth(0.0, fh * 0.12) + fw * 0.12)
    cv2.line(
        image,
        (int(nose_top[0]), int(nose_top[1])),
        (int(nose_tip[0]), int(nose_tip[1])),
        np.minimum(skin * 1.2, 255).tolist(),
        max(2, int(fw * 0.06)),
        cv2.LINE_AA,
    )
    for side in (-1, 1):
        nostril = head.point(side * fw * 0.06, fh * 0.135, z=head.depth(0.0, fh * 0.12) + fw * 0.04)
        sx, sy = head.squeeze(side * fw * 0.06, fh * 0.135)
        if sx >= 0.1:
            _ellipse(image, nostril, (fw * 0.035 * sx, fh * 0.018 * sy), (skin * 0.5).tolist())
    # Mouth.
    mx, my = head.point(0.0, fh * 0.27)
    sx, sy = head.squeeze(0.0, fh * 0.27)
    mw = fw * 0.2 * sx
    lips = (skin * np.array([0.55, 0.5, 0.85])).tolist()
    if expression == "happy":
        _ellipse(image, (mx, my - fh * 0.03 * sy), (mw * 1.1, fh * 0.08 * sy), lips, start=0, end=180)
        _ellipse(image, (mx, my - fh * 0.025 * sy), (mw * 0.9, fh * 0.05 * sy), (230, 230, 230), start=0, end=180)
    elif expression == "surprise":
        _ellipse(image, (mx, my), (mw * 0.45, fh * 0.07 * sy), (40, 30, 60))
    elif expression == "sad":
        _ellipse(
            image,
            (mx, my + fh * 0.04 * sy),
            (mw * 0.9, fh * 0.05 * sy),
            lips,
            start=180,
            end=360,
            thickness=max(2, int(fh * 0.025)),
        )
    else:
        _ellipse(image, (mx, my), (mw, (fh * 0.022 if expression == "angry" else fh * 0.03) * sy), lips)
    if cover > 0:
        # A hand over the lower face: a skin-toned palm with the shadow of its edge.
        top = cy + fh * (0.5 - cover)
        palm = (cx, top + fh * cover * 0.75)
        _ellipse(image, palm, (fw * 0.62, fh * cover * 0.78), (skin * 0.75).tolist())
        _ellipse(image, palm, (fw * 0.58, fh * cover * 0.72), (skin * 0.92).tolist())


Box = tuple[int, int, int, int]


class FrameOptions(TypedDict, total=False):
    """The keyword arguments shared by every function here (see `synthetic_face_sample`)."""

    width: int
    height: int
    seed: int
    face_scale: float
    brightness: float
    expression: Expression
    rotation_deg: float
    offset: tuple[float, float]
    noise: float
    with_face: bool
    yaw_deg: float
    pitch_deg: float
    cover: float


def synthetic_face_sample(
    *,
    width: int = 320,
    height: int = 240,
    seed: int = 0,
    face_scale: float = 0.55,
    brightness: float = 1.0,
    expression: Expression = "neutral",
    rotation_deg: float = 0.0,
    offset: tuple[float, float] = (0.0, 0.0),
    noise: float = 4.0,
    with_face: bool = True,
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    cover: float = 0.0,
) -> tuple[np.ndarray, Box | None]:
    """A BGR uint8 frame of shape (height, width, 3) and the drawn face's box (x, y, w, h), or None.

    The box bounds the face oval (hairline to chin, cheek to cheek) before any rotation. `face_scale` is
    the face's height as a fraction of the frame height; `brightness` multiplies all light (0.2 is a dim
    room); `offset` moves the face centre by fractions of the frame size; `rotation_deg` tilts the head in
    the image plane; `yaw_deg` turns it towards the picture's right (negative: left) and `pitch_deg` tips it
    down; `cover` hides that share of the face's height, from the chin up, behind a hand. The seed varies
    skin, hair, clothes, background and a small position jitter.
    """
    rng = np.random.default_rng(seed)
    image: np.ndarray = _background(rng, width, height)
    box: Box | None = None
    if with_face:
        face_h = face_scale * height
        cx = width * (0.5 + offset[0]) + rng.uniform(-0.03, 0.03) * width
        cy = height * (0.5 + offset[1]) + rng.uniform(-0.03, 0.03) * height
        layer = image.copy()
        _draw_face(layer, rng, cx, cy, face_h, expression, yaw_deg=yaw_deg, pitch_deg=pitch_deg, cover=cover)
        if rotation_deg:
            rotation = cv2.getRotationMatrix2D((cx, cy), rotation_deg, 1.0)
            head = np.zeros((height, width), np.float32)
            _ellipse(head, (cx, cy + face_h * 0.1), (face_h * 0.5, face_h * 0.7), 1.0)
            layer = cv2.warpAffine(layer, rotation, (width, height), borderMode=cv2.BORDER_REFLECT)
            mask = cv2.warpAffine(head, rotation, (width, height))[..., None]
            image = layer * mask + image * (1 - mask)
        else:
            image = layer
        image = cv2.GaussianBlur(image, (0, 0), 0.7)
        face_w = face_h * 0.78
        box = (round(cx - face_w / 2), round(cy - face_h * 0.48), round(face_w), round(face_h))
    lit = image * brightness + rng.normal(0.0, noise, image.shape)
    return np.clip(lit, 0, 255).astype(np.uint8), box


def synthetic_face_frame(**options: Unpack[FrameOptions]) -> np.ndarray:
    """A BGR uint8 frame of shape (height, width, 3); the keyword arguments of `synthetic_face_sample`."""
    frame, _ = synthetic_face_sample(**options)
    return frame


def synthetic_face_jpeg(*, quality: int = 85, **options: Unpack[FrameOptions]) -> bytes:
    """The JPEG bytes of `synthetic_face_frame(**options)` (same keyword arguments)."""
    frame = synthetic_face_frame(**options)
    return encode_jpeg(frame, quality=quality)


def blank_frame_jpeg(*, width: int = 320, height: int = 240, seed: int = 0, brightness: float = 1.0) -> bytes:
    """The JPEG bytes of a frame with a room and no face in it."""
    return synthetic_face_jpeg(width=width, height=height, seed=seed, brightness=brightness, with_face=False)


def encode_jpeg(image: np.ndarray, *, quality: int = 85) -> bytes:
    """The JPEG bytes of a gray or BGR uint8 image."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the image as JPEG")
    return buffer.tobytes()


def drifting_face_samples(
    steps: int,
    *,
    seed: int = 0,
    drift: float = 0.03,
    offset: tuple[float, float] = (0.0, 0.0),
    face_scale: float = 0.55,
    brightness: float = 1.0,
    expressions: Sequence[Expression] = ("neutral",),
) -> list[tuple[np.ndarray, Box | None]]:
    """`steps` frames of one participant shifting in their seat, with each frame's true face box.

    Same room and face throughout; between frames the face centre moves by about `drift` of the frame size
    and its size changes by up to 7%, at random (seeded), staying in the frame. `offset` and `face_scale`
    (as in `synthetic_face_sample`) are where it starts; the face takes `expressions` in turn.
    """
    rng = np.random.default_rng(seed)
    centre = np.array(offset, dtype=float)
    frames: list[tuple[np.ndarray, Box | None]] = []
    for _ in range(steps):
        frames.append(
            synthetic_face_sample(
                seed=seed,
                offset=(float(centre[0]), float(centre[1])),
                face_scale=face_scale,
                brightness=brightness,
                expression=expressions[len(frames) % len(expressions)],
            )
        )
        centre = np.clip(centre + rng.normal(0.0, drift, 2), (-0.25, -0.15), (0.25, 0.15))
        face_scale = float(np.clip(face_scale * rng.uniform(0.93, 1.07), 0.3, 0.85))
    return frames
