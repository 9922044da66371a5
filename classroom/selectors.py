"""Reads: what a teacher may see, and lookups for joining."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet
from django.http import Http404

from classroom.models import ClassSession, Course, GuardianConsent, Participant
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


def guardian_consents_of_course(course: Course) -> QuerySet[GuardianConsent]:
    """The class's guardian consents, current and withdrawn, each with how many participants joined with it."""
    return course.guardian_consents.select_related("recorded_by").annotate(participant_count=Count("participants"))


def guardian_consent_for_code(course: Course, code: str) -> GuardianConsent | None:
    """The class's guardian consent with this code, unless withdrawn; `code` must be one `code_parse` returned."""
    return course.guardian_consents.filter(code=code, withdrawn_at__isnull=True).first()


def guardian_consent_of_course(course: Course, consent_id: int) -> GuardianConsent:
    """One guardian consent of the teacher's class (the class was looked up for the teacher); Http404 otherwise."""
    consent = course.guardian_consents.filter(pk=consent_id).first()
    if consent is None:
        raise Http404("No such consent")
    return consent


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
