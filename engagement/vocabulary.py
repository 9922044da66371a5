"""Every word list the pages' JavaScript needs, from the one place each is defined, as one JSON object.

base.html hands it to every page in a `json_script` element (id "pulse-vocabulary", which the strict CSP allows:
it is data, never run); static/js/vocabulary.js reads it. tests/engagement/test_vocabulary.py and
tests/e2e/test_page_vocabulary.py hold the JavaScript to it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from classroom.vocabulary import SENSITIVITY_LABELS
from engagement.core import (
    CAMERA_STATES,
    EMOTIONS,
    FLAG_LABELS,
    POLL_ANSWER_LABELS,
    QUALITY_HINTS,
    REPORT_LABELS,
)

EMOTION_LABELS: dict[str, str] = {emotion: emotion.capitalize() for emotion in EMOTIONS}


@cache
def vocabulary() -> dict[str, Any]:
    """{"emotions": [name], "emotion_labels": {name: label}, "report_kinds", "report_labels", "flag_kinds",
    "flag_labels", "sensitivities", "sensitivity_labels", "poll_answers", "poll_answer_labels", "camera_states",
    "quality_hints": {quality: the sentence the student reads}}; lists in their defined order."""
    return {
        "emotions": list(EMOTIONS),
        "emotion_labels": EMOTION_LABELS,
        "report_kinds": list(REPORT_LABELS),
        "report_labels": REPORT_LABELS,
        "flag_kinds": list(FLAG_LABELS),
        "flag_labels": FLAG_LABELS,
        "sensitivities": list(SENSITIVITY_LABELS),
        "sensitivity_labels": SENSITIVITY_LABELS,
        "poll_answers": list(POLL_ANSWER_LABELS),
        "poll_answer_labels": POLL_ANSWER_LABELS,
        "camera_states": list(CAMERA_STATES),
        "quality_hints": QUALITY_HINTS,
    }
