"""Every word list the pages' JavaScript needs, from the one place each is defined, as one JSON object.

base.html hands it to every page in a `json_script` element (id "pulse-vocabulary", which the strict CSP allows:
it is data, never run); static/js/vocabulary.js reads it. tests/engagement/test_vocabulary.py and
tests/e2e/test_page_vocabulary.py hold the JavaScript to it.

The labels are defined in English where each list is (the engagement core and classroom.vocabulary know nothing
of Django, and mark them with gettext_noop); here, at the edge, they are translated into the reader's language.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import get_language, gettext

from classroom.vocabulary import SENSITIVITY_LABELS, gettext_noop
from engagement.core import (
    CAMERA_STATES,
    EMOTIONS,
    FLAG_CAUSE_LABELS,
    FLAG_LABELS,
    POLL_ANSWER_LABELS,
    QUALITY_HINTS,
    REPORT_LABELS,
)
from engagement.explanations import message_templates

# The model's seven expressions, as people read them (English; translated below, like every label).
EMOTION_LABELS: dict[str, str] = {
    "angry": gettext_noop("Angry"),
    "disgust": gettext_noop("Disgust"),
    "fear": gettext_noop("Fear"),
    "happy": gettext_noop("Happy"),
    "sad": gettext_noop("Sad"),
    "surprise": gettext_noop("Surprise"),
    "neutral": gettext_noop("Neutral"),
}


def labels_translated(labels: dict[str, str]) -> dict[str, str]:
    """{key: label in the active language}, in the list's own order."""
    return {key: gettext(label) for key, label in labels.items()}


def vocabulary() -> dict[str, Any]:
    """{"emotions": [name], "emotion_labels": {name: label}, "report_kinds", "report_labels", "flag_kinds",
    "flag_labels", "flag_cause_labels": {cause: label replacing the kind's}, "sensitivities", "sensitivity_labels",
    "poll_answers", "poll_answer_labels", "camera_states", "quality_hints": {quality: the sentence the student
    reads}, "explanation_messages": {message id: template} (engagement.core.explain)}; lists in their defined
    order, labels in the active language."""
    return _vocabulary(get_language() or settings.LANGUAGE_CODE)


@cache
def _vocabulary(language: str) -> dict[str, Any]:  # the active language is `language`: the cache's key
    return {
        "emotions": list(EMOTIONS),
        "emotion_labels": labels_translated({emotion: EMOTION_LABELS[emotion] for emotion in EMOTIONS}),
        "report_kinds": list(REPORT_LABELS),
        "report_labels": labels_translated(REPORT_LABELS),
        "flag_kinds": list(FLAG_LABELS),
        "flag_labels": labels_translated(FLAG_LABELS),
        "flag_cause_labels": labels_translated(FLAG_CAUSE_LABELS),
        "sensitivities": list(SENSITIVITY_LABELS),
        "sensitivity_labels": labels_translated(SENSITIVITY_LABELS),
        "poll_answers": list(POLL_ANSWER_LABELS),
        "poll_answer_labels": labels_translated(POLL_ANSWER_LABELS),
        "camera_states": list(CAMERA_STATES),
        "quality_hints": labels_translated(QUALITY_HINTS),
        "explanation_messages": message_templates(),
    }
