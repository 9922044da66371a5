"""The privacy notice a student reads before consenting, and its version.

It is itemised as India's DPDP Act, s. 5 and s. 6(3), and the DPDP Rules, r. 3, ask (docs/privacy.md): what is
collected, what for, for how long, how to withdraw consent (as easily as it was given), how to see, correct or
delete what is recorded, how to complain, and whom to ask; in a class of minors, also the guardian's consent.
Every sentence is translated: the student reads it in the language they chose, and each participant keeps which
version, in which language, they consented to (Participant.notice_version, notice_language).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from classroom.models import ClassSession
from classroom.vocabulary import EmotionMode

# Change it whenever what the notice says changes, in any session's settings (tests/classroom/test_notice.py
# holds the English text to it): a student's consent record names the version they read.
NOTICE_VERSION = "2026-12"


@dataclass(frozen=True, slots=True)
class NoticeSection:
    title: str
    items: list[str]


def privacy_contact() -> str:
    """Whom a student asks about their data: the deployment's PRIVACY_CONTACT, else their teacher or school."""
    return settings.PRIVACY_CONTACT or gettext("your teacher or your school's office")


def _snapshot_interval(session: ClassSession | None) -> str:
    if session is None:
        return gettext("every 1-2 seconds")
    seconds = session.frame_interval_s
    if seconds == 1:
        return gettext("every second")
    # Not ngettext: the interval may be a fraction (1.5 s), and every language here says it the same way.
    return gettext("every %(seconds)s seconds") % {
        "seconds": number_format(seconds, decimal_pos=0 if seconds.is_integer() else None)
    }


def _collected(session: ClassSession | None, *, emotion_on: bool) -> list[str]:
    items = [
        gettext("Your name as you type it here, and when you join and leave."),
        gettext(
            "Your teacher sees your name, the buttons you tap (such as “I'm confused”), any note you add and your "
            "answers to their questions."
        ),
        gettext(
            "The camera is your choice. With it on, your browser sends a small, low-resolution snapshot %(interval)s."
        )
        % {"interval": _snapshot_interval(session)},
    ]
    if emotion_on:
        items.append(
            gettext(
                "The server looks for your face and estimates your facial expression. Your teacher sees a label such "
                "as Happy, Neutral or Sad next to your name, and how sure the estimate is."
            )
        )
    else:
        items.append(
            gettext(
                "Emotion estimation is switched off: the server only checks whether a face is in view and whether "
                "the picture is too dark or blurry. No emotion is estimated."
            )
        )
    if settings.FACE_DETECTOR == "blazeface":
        items.append(
            gettext(
                "It also estimates which way your head is turned, so your teacher can see when you have looked far "
                "to the side for a while. Looking down at your notes never counts. The angle itself is not saved."
            )
        )
    items.append(gettext("Snapshots are processed in memory and are never saved."))
    if session and session.show_snapshots:
        items.append(gettext("Your teacher sees your latest snapshot on their screen while the class is live."))
    items.append(
        gettext(
            "With the camera on, paused or off, the page also tells the server whether this tab is visible and "
            "focused, and how long since you last used the page."
        )
    )
    return items


def _purpose(*, emotion_on: bool) -> list[str]:
    if emotion_on:
        score = gettext(
            "From all this your teacher sees an engagement score from 0 to 100 next to your name, and labels such as "
            "Confused, Bored, Away or Tab hidden (when this tab is hidden for a while), each with its reason in "
            "words."
        )
    else:
        score = gettext(
            "From all this your teacher sees an engagement score from 0 to 100 next to your name, and labels such as "
            "Bored, Away or Tab hidden (when this tab is hidden for a while), each with its reason in words."
        )
    days = settings.READING_RETENTION_DAYS
    return [
        gettext(
            "It is used only to show your teacher how the class is going, during the class and in a report "
            "afterwards, so that they can help and adjust the lesson. It is not used for advertising, and this "
            "software sends it nowhere else."
        ),
        score,
        ngettext(
            "Your teacher gets a report of this class that names you, and can download it as spreadsheets (CSV). "
            "The detailed readings are kept for %(days)s day; your summary, labels and notes stay in the report "
            "until your teacher deletes it.",
            "Your teacher gets a report of this class that names you, and can download it as spreadsheets (CSV). "
            "The detailed readings are kept for %(days)s days; your summary, labels and notes stay in the report "
            "until your teacher deletes it.",
            days,
        )
        % {"days": number_format(days)},
        gettext("Nothing here is a grade: Classroom Pulse gives no marks."),
    ]


def _rights() -> list[str]:
    contact = privacy_contact()
    return [
        gettext("You can pause your camera at any time."),
        gettext(
            "You can withdraw your consent at any time, as easily as you gave it: choose “Leave and delete my "
            "data” on your class page, during the class or after it ends, and everything recorded about you in "
            "this class, your name included, is deleted."
        ),
        gettext("To see, correct or delete what is recorded about you, ask %(contact)s.") % {"contact": contact},
        gettext(
            "If you are unhappy with how your data is handled, tell %(contact)s. If that does not solve it, you "
            "can complain to the Data Protection Board of India."
        )
        % {"contact": contact},
    ]


def _minors() -> list[str]:
    return [
        gettext(
            "This class is for students under 18. You join with the code your school gave your parent or guardian "
            "after they agreed; the school keeps a record of their consent."
        ),
        gettext(
            "Your parent or guardian can withdraw their consent at any time by telling the school. Everything "
            "recorded about you in this class is then deleted."
        ),
    ]


def privacy_notice(session: ClassSession | None) -> list[NoticeSection]:
    """What a student is told, in plain words and in the active language, before they consent: who answers for
    their data, what is collected (with the camera on and off), what for and for how long, and what they can do.
    Without a session (the code not typed yet), what holds for every class on this server."""
    emotion_on = session.emotion_enabled if session else settings.EMOTION_INFERENCE != EmotionMode.OFF
    sections = []
    if session is not None and session.course.students_are_minors:
        sections.append(NoticeSection(gettext("Students under 18"), _minors()))
    sections += [
        NoticeSection(gettext("What is collected"), _collected(session, emotion_on=emotion_on)),
        NoticeSection(gettext("What it is for, and for how long"), _purpose(emotion_on=emotion_on)),
        NoticeSection(gettext("Your choices and rights"), _rights()),
    ]
    return sections
