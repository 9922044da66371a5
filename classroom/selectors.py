"""Reads: what a teacher may see, and lookups for joining."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet
from django.http import Http404

from classroom.models import ClassSession, Course, Participant
from classroom.vocabulary import EmotionMode


def live_session_by_code(code: str) -> ClassSession | None:
    """The live session with this join code; `code` must be one `join_code_parse` returned."""
    return ClassSession.objects.select_related("course").filter(code=code, status=ClassSession.Status.LIVE).first()


def courses_for_teacher(user: AbstractBaseUser) -> QuerySet[Course]:
    return Course.objects.filter(teacher=user).prefetch_related("sessions")


def live_sessions_for_teacher(user: AbstractBaseUser) -> QuerySet[ClassSession]:
    return ClassSession.objects.select_related("course").filter(course__teacher=user, status=ClassSession.Status.LIVE)


def course_for_teacher(user: AbstractBaseUser, course_id: int) -> Course:
    """The teacher's own course (staff may open any); Http404 otherwise."""
    courses = Course.objects.all() if user.is_staff else Course.objects.filter(teacher=user)
    try:
        return courses.get(pk=course_id)
    except Course.DoesNotExist as exc:
        raise Http404("No such class") from exc


def sessions_of_course(course: Course) -> QuerySet[ClassSession]:
    return course.sessions.annotate(participant_count=Count("participants"))


def teacher_may_watch(user: AbstractBaseUser | AnonymousUser, session: ClassSession) -> bool:
    return bool(user.is_authenticated and (user.is_staff or session.course.teacher_id == user.pk))


def session_for_teacher(user: AbstractBaseUser, session_id: int) -> ClassSession:
    """The session if the user owns its class or is staff; Http404 otherwise (no existence leak)."""
    session = ClassSession.objects.select_related("course").filter(pk=session_id).first()
    if session is None or not teacher_may_watch(user, session):
        raise Http404("No such session")
    return session


def participant_in_session(participant_id: int, session_id: int) -> Participant | None:
    return (
        Participant.objects.select_related("session", "session__course")
        .filter(pk=participant_id, session_id=session_id, left_at__isnull=True)
        .first()
    )


def participant_of_session(participant_id: int, session_id: int) -> Participant | None:
    """The participant, present or gone (left_at set), with their session; None when there is no such row."""
    return (
        Participant.objects.select_related("session", "session__course")
        .filter(pk=participant_id, session_id=session_id)
        .first()
    )


def session_by_id(session_id: int) -> ClassSession | None:
    return ClassSession.objects.select_related("course").filter(pk=session_id).first()


def emotion_choice_allowed() -> bool:
    return settings.EMOTION_INFERENCE == EmotionMode.PER_SESSION


def _seconds(value: float) -> str:
    return "second" if value == 1 else f"{value:g} seconds"


def privacy_items(session: ClassSession | None) -> list[str]:
    """What a student is told, in plain words, before they consent: what the teacher sees, what is sent with
    the camera on and off, what is kept and for how long."""
    interval = "1-2 seconds" if session is None else _seconds(session.frame_interval_s)
    emotion_on = session.emotion_enabled if session else settings.EMOTION_INFERENCE != EmotionMode.OFF
    days = settings.READING_RETENTION_DAYS
    items = [
        "Your teacher sees your name, the buttons you tap (such as “I'm confused”), any note you add and your "
        "answers to their questions.",
        f"The camera is your choice. With it on, your browser sends a small, low-resolution snapshot every {interval}.",
    ]
    if emotion_on:
        items.append(
            "The server looks for your face and estimates your facial expression. Your teacher sees a label such as "
            "Happy, Neutral or Sad next to your name, and how sure the estimate is."
        )
    else:
        items.append(
            "Emotion estimation is switched off: the server only checks whether a face is in view and whether the "
            "picture is too dark or blurry. No emotion is estimated."
        )
    if settings.FACE_DETECTOR == "blazeface":
        items.append(
            "It also estimates which way your head is turned, so your teacher can see when you have looked far to "
            "the side for a while. Looking down at your notes never counts. The angle itself is not saved."
        )
    items.append("Snapshots are processed in memory and are never saved.")
    if session and session.show_snapshots:
        items.append("Your teacher sees your latest snapshot on their screen while the class is live.")
    flags = "Confused, Bored or Absent" if emotion_on else "Bored or Absent"
    items += [
        "With the camera on, paused or off, the page also tells the server whether this tab is visible and "
        "focused, and how long since you last used the page.",
        f"From all this your teacher sees an engagement score from 0 to 100 next to your name, and labels such as "
        f"{flags} (for example when this tab is hidden for a while), each with its reason in words.",
        f"Your teacher gets a report of this class that names you, and can download it as spreadsheets (CSV). "
        f"The detailed readings are kept for {days} days; your summary, labels and notes stay in the report until "
        f"your teacher deletes it.",
        "Nothing here is a grade: Classroom Pulse gives no marks.",
        "You can pause your camera at any time. You can leave, and delete everything recorded about you in this "
        "class, your name included, during the class or after it ends.",
    ]
    return items


def student_socket_info(participant_id: int, session_id: int) -> dict | None:
    """What the student socket needs at connect (the `hello` payload), or None if the claim is stale."""
    participant = participant_in_session(participant_id, session_id)
    if participant is None:
        return None
    session = participant.session
    return {
        "session": {
            "id": session.pk,
            "title": session.display_title,
            "status": session.status,
            "frame_interval_ms": int(session.frame_interval_s * 1000),
            "emotion_enabled": session.emotion_enabled,
            "show_snapshots": session.show_snapshots,
        },
        "participant": {"id": participant.pk, "name": participant.display_name},
    }


def teacher_may_watch_id(user: AbstractBaseUser, session_id: int) -> bool:
    session = ClassSession.objects.select_related("course").filter(pk=session_id).first()
    return session is not None and teacher_may_watch(user, session)


def participants_present_locked(participant_ids: Iterable[int]) -> dict[int, str]:
    """The names of those students who have not left, their rows locked until the transaction ends.

    A student may leave and delete their data while their last snapshot or event is on the way. Under the
    lock, either the leave is seen (and nothing is written) or it waits for this write and then deletes it.
    """
    rows = Participant.objects.select_for_update().filter(pk__in=sorted(participant_ids), left_at__isnull=True)
    return dict(rows.order_by("pk").values_list("pk", "display_name"))
