"""The plain-words explanations a teacher reads on a flag. Each returns one or two short sentences."""

from __future__ import annotations

# Why a flag could no longer be judged, by picture quality; each ends a sentence "Cleared after 40 s: ...".
_CANT_SEE = {
    "too_dark": "the picture is too dark to tell",
    "too_blurry": "the picture is too blurry to tell",
    "face_too_small": "the face is too small in the picture to tell",
}
_CANT_TELL = {**_CANT_SEE, "camera_off": "the camera is paused, so there is no face to tell from"}
# Confused and bored read the face: one out of view cannot keep them up (absent has its own rule for that).
_CANT_TELL_FACE = {**_CANT_TELL, "no_face": "the face is out of view, so there is nothing to tell from"}

_KIND_WORDS = {"absent": "Away", "confused": "Confused", "bored": "Bored", "looking_away": "Looking away"}


def duration(seconds: float) -> str:
    """ "40 s", "2 min", "2 min 10 s"."""
    total = max(0, round(seconds))
    if total < 90:
        return f"{total} s"
    minutes, rest = divmod(total, 60)
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


def percent(share: float) -> str:
    return f"{round(100 * share)}%"


def absent_raised(*, away_s: float | None, hidden_s: float | None) -> str:
    parts = []
    if away_s is not None:
        parts.append(f"No face in view for {duration(away_s)}, though the picture is clear enough to see one.")
    if hidden_s is not None:
        parts.append(f"The class tab has been hidden for {duration(hidden_s)}: the lesson is not on screen.")
    return " ".join(parts)


def absent_cleared(*, lasted_s: float, quality: str | None) -> str:
    if quality in _CANT_TELL:
        return f"No longer marked away after {duration(lasted_s)}: {_CANT_TELL[quality]}."
    return f"Back after {duration(lasted_s)} away."


def confused_raised(
    *,
    cause: str,
    held_s: float,
    share: float | None,
    usual: float,
    window_s: float,
    learning: bool,
) -> str:
    usual_words = (
        f"usually about {percent(usual)} (still learning this student's usual face)"
        if learning
        else (f"usually {percent(usual)} for this student")
    )
    face = (
        f"brow-lowering or worried expressions {percent(share)} of the last {duration(window_s)}, {usual_words}"
        if share is not None
        else ""
    )
    if cause == "report":
        text = "Tapped “I'm confused”."
        return f"{text} Face: {face}." if face else text
    return f"Looks confused for {duration(held_s)}: {face}."


def confused_cleared(*, lasted_s: float, quality: str | None, reported: bool = False) -> str:
    if quality in _CANT_TELL_FACE:
        return f"Cleared after {duration(lasted_s)}: {_CANT_TELL_FACE[quality]}."
    if reported:
        return (
            f"Cleared after {duration(lasted_s)}: the “I'm confused” tap no longer counts "
            "(too long ago, or the student tapped “all good”) and the face does not look confused."
        )
    return f"No longer looks confused (flag lasted {duration(lasted_s)})."


def bored_raised(
    *,
    held_s: float,
    window_s: float,
    hidden: float,
    unfocused: float,
    no_face: float,
    idle: float,
    flat: float | None,
) -> str:
    cues = [
        (hidden, "class tab hidden"),
        (unfocused, "window not focused"),
        (no_face, "face out of view"),
        (idle, "no typing or clicking for minutes"),
    ]
    listed = [f"{words} {percent(share)}" for share, words in cues if share > 0]
    text = f"Seems bored for {duration(held_s)}: in the last {duration(window_s)}, " + ", ".join(listed or ["-"])
    if flat is not None:
        text += f"; face mostly neutral or sad ({percent(flat)}) and stiller than usual"
    text += "."
    if hidden > 0:
        text += " A hidden tab is a far better boredom cue than a neutral face."
    else:
        text += " A neutral face alone is never enough for this flag: drifting attention raised it."
    return text


def bored_cleared(*, lasted_s: float, quality: str | None) -> str:
    # Bored is judged from attention too: only a picture we cannot trust stops it being judged.
    if quality in _CANT_SEE:
        return f"Cleared after {duration(lasted_s)}: {_CANT_SEE[quality]}."
    return f"Attention is back (flag lasted {duration(lasted_s)})."


def bored_superseded(*, lasted_s: float) -> str:
    return f"Cleared after {duration(lasted_s)}: the student is now marked away instead."


def looking_away_raised(*, held_s: float, head_turn: float) -> str:
    return (
        f"Looking away from the screen for {duration(held_s)}: the face is in clear view but turned about "
        f"{round(head_turn / 5) * 5}° to the side (a rough estimate). Looking down at notes never counts; "
        "another screen or a window to the side does."
    )


def looking_away_cleared(*, lasted_s: float, quality: str | None) -> str:
    if quality in _CANT_TELL_FACE:
        return f"Cleared after {duration(lasted_s)}: {_CANT_TELL_FACE[quality]}."
    return f"Facing the screen again (flag lasted {duration(lasted_s)})."


def dismissed(*, kind: str, lasted_s: float, cooldown_s: float) -> str:
    return (
        f"{_KIND_WORDS.get(kind, kind)} flag dismissed by the teacher after {duration(lasted_s)}; "
        f"quiet for this student for {duration(cooldown_s)}."
    )


def left_session(*, lasted_s: float) -> str:
    return f"Cleared after {duration(lasted_s)}: the student left the session."
