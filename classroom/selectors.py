"""Reads: what a teacher may see, and lookups for joining."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet
from django.http import Http404

from classroom.models import ClassSession, Course, Participant


def normalize_join_code(code: str) -> str:
    return "".join(code.split()).upper()


def live_session_by_code(code: str) -> ClassSession | None:
    return (
        ClassSession.objects.select_related("course")
        .filter(code=normalize_join_code(code), status=ClassSession.Status.LIVE)
        .first()
    )


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


def emotion_choice_allowed() -> bool:
    return settings.EMOTION_INFERENCE == "per-session"


def _seconds(value: float) -> str:
    return "second" if value == 1 else f"{value:g} seconds"


def privacy_items(session: ClassSession | None) -> list[str]:
    """What a student is told, in plain words, before they consent."""
    interval = "1-2 seconds" if session is None else _seconds(session.frame_interval_s)
    emotion_on = session.emotion_enabled if session else settings.EMOTION_INFERENCE != "off"
    items = [f"Your browser sends a small, low-resolution snapshot from your camera every {interval}."]
    if emotion_on:
        items.append(
            "The server looks for your face and estimates your facial expression (for example neutral, happy, "
            "confused-looking). Only these estimates are stored, as numbers."
        )
    else:
        items.append(
            "Emotion estimation is switched off: the server only checks whether a face is in view and whether "
            "the picture is too dark or blurry. No emotion is estimated."
        )
    if settings.FACE_DETECTOR == "blazeface":
        items.append(
            "It also estimates which way your head is turned, so your teacher can see when you have looked far to "
            "the side for a while. Looking down at your notes never counts. The angle itself is not saved."
        )
    items.append("Snapshots are processed in memory and are never saved.")
    if session and session.show_snapshots:
        items.append("Your teacher sees your latest snapshot on their screen while the class is live.")
    items += [
        "The page also tells the server whether this tab is visible and focused, and how long since you last "
        "used the page, so a teacher is not misled by a poorly lit picture.",
        "You can pause your camera at any time, and leave and ask for your data from this session to be deleted.",
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
