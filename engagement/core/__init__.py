"""The pure engagement core: plain dataclasses and functions, no Django.

The live path folds each reading into a StudentState (kept in the shared cache between frames) with
student_update; history reports run the same rules over stored readings. docs/engagement.md explains the rules
for teachers.
"""

from engagement.core.alert import ClassAlertState, class_alert_update
from engagement.core.history import engagement_curve, self_report_agreement, student_summary
from engagement.core.intervals import flag_intervals
from engagement.core.moments import most_confused_windows
from engagement.core.rules import DEFAULT_RULES, SENSITIVITIES, Rules, rules_for
from engagement.core.scores import attention_score, class_engagement, engagement_score
from engagement.core.signals import QUALITY_HINTS, in_view, quality_hint, quality_of
from engagement.core.state import StudentState
from engagement.core.student import (
    student_disconnect,
    student_dismiss,
    student_self_report,
    student_tile,
    student_update,
)
from engagement.core.timeline import MoodPoint, mood_timeline
from engagement.core.types import (
    CAMERA_STATES,
    CANT_SEE,
    EMOTIONS,
    FLAG_CAUSE_LABELS,
    FLAG_KINDS,
    FLAG_LABELS,
    POLL_ANSWER_LABELS,
    POLL_ANSWERS,
    REPORT_KINDS,
    REPORT_LABELS,
    FlagEvent,
    Reading,
    SelfReport,
)

__all__ = [
    "CAMERA_STATES",
    "CANT_SEE",
    "DEFAULT_RULES",
    "EMOTIONS",
    "FLAG_CAUSE_LABELS",
    "FLAG_KINDS",
    "FLAG_LABELS",
    "POLL_ANSWERS",
    "POLL_ANSWER_LABELS",
    "QUALITY_HINTS",
    "REPORT_KINDS",
    "REPORT_LABELS",
    "SENSITIVITIES",
    "ClassAlertState",
    "FlagEvent",
    "MoodPoint",
    "Reading",
    "Rules",
    "SelfReport",
    "StudentState",
    "attention_score",
    "class_alert_update",
    "class_engagement",
    "engagement_curve",
    "engagement_score",
    "flag_intervals",
    "in_view",
    "mood_timeline",
    "most_confused_windows",
    "quality_hint",
    "quality_of",
    "rules_for",
    "self_report_agreement",
    "student_disconnect",
    "student_dismiss",
    "student_self_report",
    "student_summary",
    "student_tile",
    "student_update",
]
