"""Every threshold and time window of the engagement rules, with the three sensitivity presets.

docs/engagement.md explains each number in plain words; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from classroom.vocabulary import SENSITIVITIES
from engagement.core.types import EMOTIONS


@dataclass(frozen=True)
class Rules:
    """Thresholds (shares are 0-1, times are seconds). The defaults are the "normal" sensitivity."""

    sensitivity: str = "normal"

    # Picture quality. Not affected by sensitivity: a dark picture is dark for every teacher.
    min_brightness: float = 40.0  # mean gray level 0-255
    min_blur: float = 25.0  # variance of the Laplacian; below it the picture is too blurry
    min_face_px: int = 48  # the emotion model's input is 48x48: a smaller face is guessed, not seen

    # Smoothing and bookkeeping.
    smoothing_s: float = 3.0  # time constant of the smoothed probabilities on the tile
    max_gap_s: float = 10.0  # a longer silence between two readings is not counted as time present
    window_capacity: int = 150  # most recent readings kept per student (bounds the stored state)

    # Personal baseline: the student's own usual face, learned over their first minutes in view.
    baseline_s: float = 180.0
    # No face-based "confused" before baseline_warmup_s and baseline_min_frames of the baseline have been seen.
    baseline_warmup_s: float = 60.0
    baseline_min_frames: int = 30
    # Weight of the class-wide prior, in frames. Kept small: a heavy prior drags a resting "sad" face's usual share
    # down and gets it flagged (with 20, a resting sad face was flagged at one frame every 5 s).
    baseline_prior_frames: float = 5.0
    baseline_prior_confused: float = 0.15  # prior share of confused-looking frames
    baseline_prior_expressivity: float = 0.10  # prior frame-to-frame change of the expression

    # Confused: brow-lowering / worried / negatively surprised expressions, well above the student's usual.
    # Weights per emotion in EMOTIONS order: angry, disgust, fear, happy, sad, surprise, neutral.
    confused_weights: tuple[float, ...] = (1.0, 0.0, 0.8, 0.0, 0.6, 0.5, 0.0)
    confused_frame_score: float = 0.4  # a frame "looks confused" when its weighted score reaches this
    confused_window_s: float = 30.0
    confused_min_frames: int = 5
    confused_share: float = 0.5  # share of confused-looking frames in the window ...
    confused_margin: float = 0.3  # ... and at least this much above the student's usual share
    confused_keep_slack: float = 0.15  # once raised, the flag stays while the share is within this of the bar
    confused_on_s: float = 20.0
    confused_off_s: float = 20.0
    report_evidence_s: float = 120.0  # an "I'm confused" tap counts as evidence for this long

    # Bored: drifting attention, with or without a flat face. A neutral face alone never raises it.
    bored_window_s: float = 120.0
    bored_min_readings: int = 20
    bored_min_faces: int = 10
    bored_drift_alone: float = 0.5  # attention drift that raises "bored" whatever the face shows
    bored_drift_with_face: float = 0.25  # attention drift that raises it when the face is also flat
    bored_flat_share: float = 0.6  # share of frames where neutral or sad is the top expression
    bored_expressivity_ratio: float = 0.75  # "still face": expression changes below 75% of the student's usual
    bored_keep_slack: float = 0.1
    bored_on_s: float = 30.0
    bored_off_s: float = 30.0
    # How much each cue counts as drift (a reading counts its strongest cue).
    drift_hidden: float = 1.0
    drift_no_face: float = 0.6
    drift_unfocused: float = 0.4
    # Weak on purpose, below every preset's bored_drift_with_face: in a lecture nobody types, so idling alone
    # plus a calm face must never make "bored" (with 0.3 it did, for a student calmer than in their first minutes).
    drift_idle: float = 0.15
    idle_long_s: float = 120.0  # no typing, clicking or scrolling for this long counts as idle

    # Absent: no face in a clear picture, or the class tab hidden, for a sustained time.
    absent_on_s: float = 30.0
    hidden_absent_on_s: float = 60.0
    absent_off_s: float = 5.0

    # Looking away: the face is in clear view but turned far to one side, for a sustained time (docs/engagement.md,
    # "Looking away"). The angles are the rough head-pose estimate from the face detector's keypoints, which
    # saturates past about 50 degrees; a head turned further is usually lost (no face: "away" instead).
    looking_away_yaw_deg: float = 40.0  # turned at least this far starts the streak ...
    looking_away_keep_deg: float = 30.0  # ... which goes on, and the flag stays, while the head is turned this far
    # Tipped down this far (notes, a notebook) never counts as looking away. Low on purpose: the pitch estimate
    # reads real nods short (drawn heads tipped 30 degrees read about 15, docs/benchmarks.md, "Head pose").
    looking_down_pitch_deg: float = 15.0
    looking_away_on_s: float = 30.0
    looking_away_off_s: float = 6.0

    # After the teacher dismisses a flag, that kind stays quiet for this student for a while.
    cooldown_s: float = 600.0

    # Class alert: a large share of the connected class is flagged confused at once.
    alert_on_share: float = 0.35
    alert_off_share: float = 0.2
    alert_min_confused: int = 2
    alert_on_s: float = 10.0
    alert_off_s: float = 30.0

    # Tile sparkline: one point per step, the last sparkline_len steps.
    sparkline_step_s: float = 10.0
    sparkline_len: int = 30

    def __post_init__(self) -> None:
        if self.sensitivity not in SENSITIVITIES:
            raise ValueError(f"sensitivity must be one of {SENSITIVITIES}")
        if len(self.confused_weights) != len(EMOTIONS):
            raise ValueError("confused_weights needs one weight per emotion")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{f.name} must not be negative")
        for name in ("confused_share", "bored_drift_alone", "bored_drift_with_face", "bored_flat_share",
                     "alert_on_share", "alert_off_share"):  # fmt: skip
            if getattr(self, name) > 1:
                raise ValueError(f"{name} is a share and must be at most 1")
        if self.alert_off_share > self.alert_on_share:
            raise ValueError("alert_off_share must not exceed alert_on_share")
        if self.looking_away_keep_deg > self.looking_away_yaw_deg:
            raise ValueError("looking_away_keep_deg must not exceed looking_away_yaw_deg")
        if self.window_capacity < 10 or self.sparkline_len < 1 or self.sparkline_step_s <= 0:
            raise ValueError("window_capacity, sparkline_len and sparkline_step_s are too small")


DEFAULT_RULES = Rules()

_PRESETS: dict[str, dict[str, object]] = {
    "low": {  # fewer flags: stronger evidence, held longer
        "confused_share": 0.6,
        "confused_margin": 0.4,
        "confused_on_s": 30.0,
        "bored_drift_alone": 0.6,
        "bored_drift_with_face": 0.35,
        "bored_flat_share": 0.7,
        "bored_on_s": 60.0,
        "absent_on_s": 60.0,
        "hidden_absent_on_s": 120.0,
        "looking_away_yaw_deg": 45.0,
        "looking_away_keep_deg": 35.0,
        "looking_away_on_s": 60.0,
        "cooldown_s": 900.0,
        "alert_on_share": 0.45,
        "alert_off_share": 0.3,
        "alert_min_confused": 3,
    },
    "normal": {},
    "high": {  # more flags: weaker evidence, held shorter
        "confused_share": 0.4,
        "confused_margin": 0.2,
        "confused_on_s": 10.0,
        "bored_drift_alone": 0.4,
        "bored_drift_with_face": 0.2,
        "bored_flat_share": 0.5,
        "bored_on_s": 15.0,
        "absent_on_s": 20.0,
        "hidden_absent_on_s": 30.0,
        "looking_away_yaw_deg": 35.0,
        "looking_away_keep_deg": 25.0,
        "looking_away_on_s": 20.0,
        "cooldown_s": 300.0,
        "alert_on_share": 0.25,
        "alert_off_share": 0.15,
    },
}


def rules_for(sensitivity: str) -> Rules:
    """The Rules for a session's sensitivity ("low", "normal" or "high"); ValueError for anything else."""
    if sensitivity not in _PRESETS:
        raise ValueError(f"sensitivity must be one of {SENSITIVITIES}, not {sensitivity!r}")
    return replace(DEFAULT_RULES, sensitivity=sensitivity, **_PRESETS[sensitivity])  # type: ignore[arg-type]
