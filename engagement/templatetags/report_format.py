"""Formatting for report pages: epoch seconds, durations, shares."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from engagement.core import FLAG_LABELS, REPORT_LABELS
from engagement.vocabulary import EMOTION_LABELS

register = template.Library()


@register.filter
def from_epoch(t: float | None) -> datetime | None:
    """A report time (epoch seconds) as an aware datetime in the current time zone, for the date filter."""
    return None if t is None else timezone.localtime(datetime.fromtimestamp(t, tz=UTC))


@register.filter
def duration(seconds: float | None) -> str:
    """'1 h 05 min', '12 min', '45 s', in the reader's language."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return gettext("%(s)s s") % {"s": number_format(total)}
    minutes = round(total / 60)
    if minutes < 60:
        return gettext("%(m)s min") % {"m": number_format(minutes)}
    return gettext("%(h)s h %(m)s min") % {"h": number_format(minutes // 60), "m": f"{minutes % 60:02d}"}


@register.filter
def clock_offset(t: float | None, start: float | None) -> str:
    """How far into the session t is, as 'm:ss' (or 'h:mm:ss')."""
    if t is None or start is None:
        return ""
    total = max(0, round(t - start))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def share(value: float | None) -> str:
    """0.254 -> '25%'; None -> '—'."""
    return "—" if value is None else gettext("%(percent)s%%") % {"percent": number_format(round(value * 100))}


@register.filter
def score(value: float | None) -> str:
    """A 0-100 score, rounded; None -> '—'."""
    return "—" if value is None else number_format(round(value))


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def voice_label(kind: str) -> str:
    """A self-report kind as the student saw it on the button ("I'm confused")."""
    return gettext(REPORT_LABELS[kind]) if kind in REPORT_LABELS else kind


@register.filter
def flag_label(kind: str) -> str:
    """A flag kind as the teacher reads it ("Looking away")."""
    return gettext(FLAG_LABELS[kind]) if kind in FLAG_LABELS else kind


@register.filter
def emotion_label(emotion: str) -> str:
    """One of the model's expressions as people read it ("Happy"), in the reader's language."""
    return gettext(EMOTION_LABELS[emotion]) if emotion in EMOTION_LABELS else emotion
