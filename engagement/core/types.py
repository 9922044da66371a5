"""Plain data the engagement core works on: what a snapshot showed, what a student said, what a rule decided."""

from __future__ import annotations

from dataclasses import dataclass, field

from classroom.vocabulary import gettext_noop
from engagement.core.explain import Explanation
from inference import EMOTIONS as MODEL_EMOTIONS

# The model's label order (FER-2013's); probabilities in a Reading follow it.
EMOTIONS: tuple[str, ...] = MODEL_EMOTIONS
CAMERA_STATES: tuple[str, ...] = ("on", "paused", "off")
# Labels are English; the pages translate them where they hand them over (engagement/vocabulary.py).
# "absent" is shown as "Away" ("absent" means missing from school), or by its cause's label (FLAG_CAUSE_LABELS).
FLAG_LABELS: dict[str, str] = {
    "absent": gettext_noop("Away"),
    "confused": gettext_noop("Confused"),
    "bored": gettext_noop("Bored"),
    "looking_away": gettext_noop("Looking away"),
}
FLAG_KINDS: tuple[str, ...] = tuple(FLAG_LABELS)
# A flag raised for this cause is labelled so, instead of its kind's label: an "away" student whose face is in
# view but whose class tab is hidden reads "Tab hidden".
FLAG_CAUSE_LABELS: dict[str, str] = {"tab_hidden": gettext_noop("Tab hidden")}
# What the student's voice buttons say.
REPORT_LABELS: dict[str, str] = {
    "confused": gettext_noop("I'm confused"),
    "too_fast": gettext_noop("Too fast"),
    "too_slow": gettext_noop("Too slow"),
    "all_good": gettext_noop("All good"),
    "raise_hand": gettext_noop("Raise hand"),
}
REPORT_KINDS: tuple[str, ...] = tuple(REPORT_LABELS)
POLL_ANSWER_LABELS: dict[str, str] = {"yes": gettext_noop("Yes"), "not_yet": gettext_noop("Not yet")}
POLL_ANSWERS: tuple[str, ...] = tuple(POLL_ANSWER_LABELS)
# Qualities where the camera is on but the picture cannot be trusted: "can't see you", never "disengaged".
CANT_SEE: frozenset[str] = frozenset({"too_dark", "too_blurry", "face_too_small"})


@dataclass(frozen=True, slots=True)
class Reading:
    """One analyzed snapshot, or one attention heartbeat while the camera is paused or off.

    brightness (mean gray 0-255) and blur (variance of the Laplacian) describe the face crop when a face was
    found and the whole frame otherwise; face_px is the face box's shorter side. None means "not measured".
    probabilities follow EMOTIONS and are None when there is no face or emotion inference is off.
    yaw and pitch are the head pose in degrees (yaw: turned sideways, either sign; pitch > 0: tipped down), a
    rough estimate from the face detector's keypoints; None without a face or from a detector without them.
    """

    participant_id: int
    t: float
    camera: str
    face: bool
    probabilities: tuple[float, ...] | None
    brightness: float | None
    blur: float | None
    face_px: int | None
    tab_visible: bool | None = None
    focused: bool | None = None
    idle_s: float | None = None
    yaw: float | None = None
    pitch: float | None = None

    def __post_init__(self) -> None:
        if self.camera not in CAMERA_STATES:
            raise ValueError(f"camera must be one of {CAMERA_STATES}, not {self.camera!r}")
        if self.probabilities is not None and len(self.probabilities) != len(EMOTIONS):
            raise ValueError(f"probabilities must have {len(EMOTIONS)} values in EMOTIONS order")


@dataclass(frozen=True, slots=True)
class SelfReport:
    """A student's tap on a voice button."""

    participant_id: int
    t: float
    kind: str
    text: str = ""

    def __post_init__(self) -> None:
        if self.kind not in REPORT_KINDS:
            raise ValueError(f"kind must be one of {REPORT_KINDS}, not {self.kind!r}")

    def to_dict(self) -> dict[str, object]:
        return {"participant_id": self.participant_id, "kind": self.kind, "text": self.text, "t": self.t}


@dataclass(frozen=True, slots=True)
class FlagEvent:
    """A flag was raised or cleared for one student.

    explanation: messages the edge renders in the reader's language (engagement.core.explain).
    cause says what raised it ("face", "report", "no_face", "tab_hidden", "attention", "head_turned"); on a
    cleared event it repeats the cause of the flag being cleared. Older stored flags may have cause "".
    """

    participant_id: int
    kind: str
    action: str
    t: float
    explanation: Explanation = field(default_factory=list)
    cause: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "participant_id": self.participant_id,
            "kind": self.kind,
            "action": self.action,
            "t": self.t,
            "explanation": self.explanation,
            "cause": self.cause,
        }
