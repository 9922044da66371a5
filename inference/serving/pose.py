"""Head pose (yaw and pitch, in degrees) from BlazeFace's six keypoints, by a small geometric model of the head.

The keypoints are first turned so the eye line is level (in-plane tilt is not pose). Then, seen from the
front and in orthographic projection:

- yaw: the ear tragions sit on the head's left-right axis and the nose tip about NOSE_DEPTH_EARS half
  ear-to-ear spans in front of it (adult head proportions). A head turned by yaw shows the nose tip off the
  ears' midpoint by NOSE_DEPTH_EARS * tan(yaw) half spans, whatever the distance to the camera.
- pitch: the nose tip stands about NOSE_DEPTH_EYES_MOUTH eye-to-mouth heights in front of the eyes and mouth;
  nodding down moves it down between them. NOSE_HEIGHT_LEVEL, where it sits on a level face, was measured on
  FER-2013's (mostly frontal) PublicTest faces.

Not calibrated against labelled head poses: take the angles as rough (about +-10 degrees near the front),
and as saturating past about 50 degrees of yaw, where the far ear is hidden and the detector guesses it.
Signs: yaw is positive when the face turns towards the picture's right, pitch when it tips down.
"""

from __future__ import annotations

import math

import numpy as np

from inference.serving.detect import Landmarks
from inference.serving.types import HeadPose

NOSE_DEPTH_EARS = 1.5  # nose tip in front of the tragion line, in half bitragion breadths (~11 cm / ~7.3 cm)
NOSE_DEPTH_EYES_MOUTH = 0.4  # nose tip in front of the eyes and mouth, in eye-to-mouth heights (~2.8 cm / ~7 cm)
NOSE_HEIGHT_LEVEL = 0.52  # the nose tip's height between the eyes (0) and the mouth (1) on a level face


def eye_roll(landmarks: Landmarks) -> float:
    """The in-plane tilt of the eye line, in radians (positive: the eye on the picture's right is lower)."""
    (lx, ly), (rx, ry) = landmarks.eye_left, landmarks.eye_right
    return math.atan2(ry - ly, rx - lx)


def head_pose(landmarks: Landmarks) -> HeadPose:
    """The head's yaw and pitch in degrees (see the module docstring for the model, signs and limits)."""
    roll = eye_roll(landmarks)
    cos, sin = math.cos(-roll), math.sin(-roll)
    level = np.array([[cos, -sin], [sin, cos]])
    eye_l, eye_r, nose, mouth, ear_l, ear_r = (
        level @ np.asarray(p)
        for p in (
            landmarks.eye_left,
            landmarks.eye_right,
            landmarks.nose,
            landmarks.mouth,
            landmarks.ear_left,
            landmarks.ear_right,
        )
    )
    half_span = (ear_r[0] - ear_l[0]) / 2.0
    eyes_y = (eye_l[1] + eye_r[1]) / 2.0
    height = mouth[1] - eyes_y
    if half_span <= 0 or height <= 0:
        return HeadPose(yaw=0.0, pitch=0.0)
    across = (nose[0] - (ear_l[0] + ear_r[0]) / 2.0) / half_span
    down = (nose[1] - eyes_y) / height
    yaw = math.degrees(math.atan(across / NOSE_DEPTH_EARS))
    pitch = math.degrees(math.atan((down - NOSE_HEIGHT_LEVEL) / NOSE_DEPTH_EYES_MOUTH))
    return HeadPose(yaw=round(yaw, 1), pitch=round(pitch, 1))
