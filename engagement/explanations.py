"""Flag explanations rendered for a reader: the core's messages (engagement.core.explain) in the active language,
with moments in the active time zone. The browser renders the same messages itself (static/js/explanations.js,
from the templates in the page's vocabulary), in the reader's own clock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from engagement.core import FLAG_LABELS
from engagement.core.explain import MESSAGES, Message


def message_templates() -> dict[str, str]:
    """{message id: its template in the active language}, for the pages' JavaScript."""
    return {
        message_id: gettext(template) if template != "%(text)s" else template
        for message_id, template in MESSAGES.items()
    }


def duration_text(seconds: float) -> str:
    """ "40 s", "2 min", "2 min 10 s" in the active language."""
    total = max(0, round(seconds))
    if total < 90:
        return gettext("%(seconds)s s") % {"seconds": total}
    minutes, rest = divmod(total, 60)
    if rest == 0:
        return ngettext("%(minutes)s min", "%(minutes)s min", minutes) % {"minutes": minutes}
    return gettext("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}


def moment_text(t: float) -> str:
    """A moment as the time of day in the active time zone and locale."""
    return formats.time_format(timezone.localtime(datetime.fromtimestamp(t, tz=UTC)), "TIME_FORMAT")


def _param_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name.endswith("_at"):
        return moment_text(float(value))
    if name.endswith("_s"):
        return duration_text(float(value))
    if name.endswith("_msg"):
        template = MESSAGES.get(str(value))
        return gettext(template) if template else str(value)
    if name == "kind":
        return gettext(FLAG_LABELS.get(str(value), str(value)))
    return str(value)


def message_text(message: Message) -> str:
    template = MESSAGES.get(message["id"])
    if template is None:
        return ""
    params = {name: _param_text(name, value) for name, value in message["params"].items()}
    if template == "%(text)s":
        return params.get("text", "")
    return gettext(template) % params


def explanation_text(messages: Iterable[Message]) -> str:
    """The explanation as the sentences a teacher reads, one after the other."""
    return " ".join(text for message in messages if (text := message_text(message)))
