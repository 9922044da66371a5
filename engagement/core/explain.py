"""The explanations a teacher reads on a flag, as messages: a message id and its parameters, never a sentence.

The core knows nothing of languages or time zones: the edge renders each message in the reader's language and
clock (engagement/explanations.py in Python, static/js/explanations.js in the browser), from MESSAGES, the one
list of the English templates. An explanation is a list of messages, read one after the other.

Parameters are plain JSON values, and their names say how the edge shows them:
- `..._at`: a moment, epoch seconds, shown as a time of day in the reader's zone ("since 10:42");
- `..._s`: a duration in seconds ("40 s", "2 min");
- `..._pct`: a whole percentage; `..._deg`: whole degrees;
- `..._msg`: the id of another message with no parameters, rendered in its place;
- `kind`: a flag kind, shown as its label.
A condition still holding is told by the moment it began ("since 10:42"), never by a duration that would be
stale a minute later; a finished one by how long it lasted.
"""

from __future__ import annotations

from typing import Any, TypedDict

from classroom.vocabulary import gettext_noop


class Message(TypedDict):
    id: str
    params: dict[str, Any]


Explanation = list[Message]

# Message id -> English template, "%(name)s" placeholders (Python's and i18n.js's format).
MESSAGES: dict[str, str] = {
    # Away
    "absent.no_face": gettext_noop(
        "No face in view since %(since_at)s, though the picture is clear enough to see one."
    ),
    "absent.tab_hidden": gettext_noop("The class tab has been hidden since %(since_at)s: the lesson is not on screen."),
    "absent.back": gettext_noop("Back after %(lasted_s)s away."),
    "absent.cant_tell": gettext_noop("No longer marked away after %(lasted_s)s: %(reason_msg)s."),
    # Confused
    "confused.face": gettext_noop(
        "Looks confused since %(since_at)s: brow-lowering or worried expressions in %(share_pct)s%% of the "
        "%(window_s)s before it was raised, usually %(usual_pct)s%% for this student."
    ),
    "confused.face_learning": gettext_noop(
        "Looks confused since %(since_at)s: brow-lowering or worried expressions in %(share_pct)s%% of the "
        "%(window_s)s before it was raised, usually about %(usual_pct)s%% (still learning this student's usual face)."
    ),
    "confused.report": gettext_noop("The student tapped “I'm confused” at %(tapped_at)s."),
    "confused.gone": gettext_noop("No longer looks confused (flag lasted %(lasted_s)s)."),
    "confused.report_gone": gettext_noop(
        "Cleared after %(lasted_s)s: the “I'm confused” tap no longer counts (too long ago, or the student tapped "
        "“all good”) and the face does not look confused."
    ),
    "confused.cant_tell": gettext_noop("Cleared after %(lasted_s)s: %(reason_msg)s."),
    # Bored
    "bored.raised": gettext_noop(
        "Seems bored since %(since_at)s: in the %(window_s)s before it was raised, class tab hidden %(hidden_pct)s%%, "
        "window not focused %(unfocused_pct)s%%, face out of view %(no_face_pct)s%%, no typing or clicking for "
        "minutes %(idle_pct)s%% of the time."
    ),
    "bored.flat_face": gettext_noop("The face was mostly neutral or sad (%(flat_pct)s%%) and stiller than usual."),
    "bored.hidden_note": gettext_noop("A hidden tab is a far better boredom cue than a neutral face."),
    "bored.face_note": gettext_noop(
        "A neutral face alone is never enough for this flag: drifting attention raised it."
    ),
    "bored.gone": gettext_noop("Attention is back (flag lasted %(lasted_s)s)."),
    "bored.cant_tell": gettext_noop("Cleared after %(lasted_s)s: %(reason_msg)s."),
    "bored.superseded": gettext_noop("Cleared after %(lasted_s)s: the student is now marked away instead."),
    # Looking away
    "looking_away.raised": gettext_noop(
        "Looking away from the screen since %(since_at)s: the face is in clear view but turned about %(turn_deg)s° "
        "to the side (a rough estimate). Looking down at notes never counts; another screen or a window to the side "
        "does."
    ),
    "looking_away.gone": gettext_noop("Facing the screen again (flag lasted %(lasted_s)s)."),
    "looking_away.cant_tell": gettext_noop("Cleared after %(lasted_s)s: %(reason_msg)s."),
    # Any flag
    "dismissed": gettext_noop(
        "%(kind)s flag dismissed by the teacher after %(lasted_s)s; quiet for this student for %(cooldown_s)s."
    ),
    "left_session": gettext_noop("Cleared after %(lasted_s)s: the student left the session."),
    # Why a flag could no longer be judged (the reason_msg of a ..._cant_tell message).
    "reason.too_dark": gettext_noop("the picture is too dark to tell"),
    "reason.too_blurry": gettext_noop("the picture is too blurry to tell"),
    "reason.face_too_small": gettext_noop("the face is too small in the picture to tell"),
    "reason.camera_off": gettext_noop("the camera is paused, so there is no face to tell from"),
    "reason.no_face": gettext_noop("the face is out of view, so there is nothing to tell from"),
    # A flag stored as a sentence before explanations were messages: its text, as it was.
    "text": "%(text)s",
}

_CANT_SEE = frozenset({"too_dark", "too_blurry", "face_too_small"})
_CANT_TELL = _CANT_SEE | {"camera_off"}
# Confused and looking away read the face: one out of view cannot keep them up (absent has its own rule for that).
_CANT_TELL_FACE = _CANT_TELL | {"no_face"}


def message(message_id: str, **params: Any) -> Message:
    if message_id not in MESSAGES:
        raise KeyError(f"unknown explanation message {message_id!r}")
    return {"id": message_id, "params": params}


def from_text(text: str) -> Explanation:
    """An explanation stored as plain text (before messages existed), kept word for word."""
    return [message("text", text=text)] if text else []


def _pct(share: float) -> int:
    return round(100 * share)


def _cant_tell(kind: str, lasted_s: float, quality: str) -> Explanation:
    return [message(f"{kind}.cant_tell", lasted_s=round(lasted_s), reason_msg=f"reason.{quality}")]


def absent_raised(*, away_since: float | None, hidden_since: float | None) -> Explanation:
    out = []
    if away_since is not None:
        out.append(message("absent.no_face", since_at=away_since))
    if hidden_since is not None:
        out.append(message("absent.tab_hidden", since_at=hidden_since))
    return out


def absent_cleared(*, lasted_s: float, quality: str | None) -> Explanation:
    if quality in _CANT_TELL:
        return _cant_tell("absent", lasted_s, quality)
    return [message("absent.back", lasted_s=round(lasted_s))]


def confused_raised(
    *,
    cause: str,
    since: float,
    share: float | None,
    usual: float,
    window_s: float,
    learning: bool,
) -> Explanation:
    """A tap-raised flag says so and nothing more: the face's numbers may well point the other way, and the
    student's own word is the evidence. A face-raised one gives the numbers from the moment it was raised."""
    if cause == "report" or share is None:
        return [message("confused.report", tapped_at=since)]
    message_id = "confused.face_learning" if learning else "confused.face"
    return [message(message_id, since_at=since, share_pct=_pct(share), window_s=round(window_s), usual_pct=_pct(usual))]


def confused_cleared(*, lasted_s: float, quality: str | None, reported: bool = False) -> Explanation:
    if quality in _CANT_TELL_FACE:
        return _cant_tell("confused", lasted_s, quality)
    return [message("confused.report_gone" if reported else "confused.gone", lasted_s=round(lasted_s))]


def bored_raised(
    *,
    since: float,
    window_s: float,
    hidden: float,
    unfocused: float,
    no_face: float,
    idle: float,
    flat: float | None,
) -> Explanation:
    out = [
        message(
            "bored.raised",
            since_at=since,
            window_s=round(window_s),
            hidden_pct=_pct(hidden),
            unfocused_pct=_pct(unfocused),
            no_face_pct=_pct(no_face),
            idle_pct=_pct(idle),
        )
    ]
    if flat is not None:
        out.append(message("bored.flat_face", flat_pct=_pct(flat)))
    out.append(message("bored.hidden_note" if hidden > 0 else "bored.face_note"))
    return out


def bored_cleared(*, lasted_s: float, quality: str | None) -> Explanation:
    # Bored is judged from attention too: only a picture we cannot trust stops it being judged.
    if quality in _CANT_SEE:
        return _cant_tell("bored", lasted_s, quality)
    return [message("bored.gone", lasted_s=round(lasted_s))]


def bored_superseded(*, lasted_s: float) -> Explanation:
    return [message("bored.superseded", lasted_s=round(lasted_s))]


def looking_away_raised(*, since: float, head_turn: float) -> Explanation:
    return [message("looking_away.raised", since_at=since, turn_deg=round(head_turn / 5) * 5)]


def looking_away_cleared(*, lasted_s: float, quality: str | None) -> Explanation:
    if quality in _CANT_TELL_FACE:
        return _cant_tell("looking_away", lasted_s, quality)
    return [message("looking_away.gone", lasted_s=round(lasted_s))]


def dismissed(*, kind: str, lasted_s: float, cooldown_s: float) -> Explanation:
    return [message("dismissed", kind=kind, lasted_s=round(lasted_s), cooldown_s=round(cooldown_s))]


def left_session(*, lasted_s: float) -> Explanation:
    return [message("left_session", lasted_s=round(lasted_s))]


def is_report_explanation(explanation: Explanation) -> bool:
    """True for the explanation of a flag raised by the student's own tap."""
    return bool(explanation) and explanation[0]["id"] == "confused.report"
