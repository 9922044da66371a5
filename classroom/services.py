"""Writes: classes, sessions, joining and leaving."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from classroom.models import ClassSession, Course, GuardianConsent, Participant
from classroom.notice import NOTICE_VERSION
from classroom.vocabulary import DEFAULT_SENSITIVITY, SENSITIVITIES, EmotionMode

# Sent by participant_leave, inside its transaction, when a student leaves and asks for their data to be deleted
# (keyword arguments participant_id and session_id). Whoever records data about students deletes it then:
# engagement connects its erasure (this app sits below engagement and does not import it).
participant_data_delete_requested = Signal()
# Sent once that deletion is committed (same arguments): the live path clears the student's live record and
# takes their tile off open dashboards.
participant_data_deleted = Signal()


def course_create(*, teacher: AbstractBaseUser, name: str, students_are_minors: bool = False) -> Course:
    return Course.objects.create(teacher=teacher, name=name.strip(), students_are_minors=students_are_minors)


class CourseIsLive(Exception):
    """A class's minors setting cannot change while one of its sessions is live (that session was started, and
    its students consented, under the other setting)."""


def course_minors_set(*, course: Course, students_are_minors: bool) -> None:
    with transaction.atomic():
        if course.sessions.select_for_update().filter(status=ClassSession.Status.LIVE).exists():
            raise CourseIsLive
        Course.objects.filter(pk=course.pk).update(students_are_minors=students_are_minors)
    course.students_are_minors = students_are_minors


def emotion_enabled_for(requested: bool, *, minors: bool = False) -> bool:
    """No emotion estimates for minors (DPDP Act s. 9(3), docs/privacy.md), whatever the settings say; otherwise
    the deployment's EMOTION_INFERENCE setting wins over the teacher's choice."""
    if minors or settings.EMOTION_INFERENCE == EmotionMode.OFF:
        return False
    if settings.EMOTION_INFERENCE == EmotionMode.ON:
        return True
    return requested


def session_start(
    *,
    course: Course,
    title: str = "",
    frame_interval_s: float = 2.0,
    emotion_enabled: bool = True,
    show_snapshots: bool = False,
    sensitivity: str = DEFAULT_SENSITIVITY,
) -> ClassSession:
    """Starts a live session with a fresh unique join code."""
    for _ in range(10):
        try:
            with transaction.atomic():
                return ClassSession.objects.create(
                    course=course,
                    title=title.strip(),
                    frame_interval_s=frame_interval_s,
                    emotion_enabled=emotion_enabled_for(emotion_enabled, minors=course.students_are_minors),
                    show_snapshots=show_snapshots,
                    sensitivity=sensitivity,
                )
        except IntegrityError:  # join code collision: draw another
            continue
    raise RuntimeError("Could not draw a free join code")


def session_end(*, session: ClassSession) -> bool:
    """Ends a live session; returns False if it had already ended."""
    updated = ClassSession.objects.filter(pk=session.pk, status=ClassSession.Status.LIVE).update(
        status=ClassSession.Status.ENDED, ended_at=timezone.now()
    )
    session.refresh_from_db(fields=["status", "ended_at"])
    return bool(updated)


def session_set_sensitivity(*, session_id: int, sensitivity: str) -> None:
    if sensitivity not in SENSITIVITIES:
        raise ValueError(f"unknown sensitivity {sensitivity!r}")
    ClassSession.objects.filter(pk=session_id).update(sensitivity=sensitivity)


class SessionFull(Exception):
    """The session already has MAX_PARTICIPANTS_PER_SESSION participants."""


class GuardianConsentMissing(Exception):
    """A class of minors takes a student only with a guardian's consent for that class, not withdrawn."""


def participant_join(
    *,
    session: ClassSession,
    display_name: str,
    notice_language: str = "",
    guardian_consent: GuardianConsent | None = None,
) -> Participant:
    """A new participant of the session, who consented now to the current notice (NOTICE_VERSION) read in
    `notice_language`. Raises SessionFull at MAX_PARTICIPANTS_PER_SESSION (those who left count: their rows are
    still there) so that one join link cannot fill the dashboard and the database; and GuardianConsentMissing in a
    class of minors without a guardian's consent for it that still holds."""
    with transaction.atomic():
        ClassSession.objects.select_for_update().filter(pk=session.pk).first()  # joins to one session in turn
        if session.course.students_are_minors:
            current = (
                guardian_consent is not None
                and GuardianConsent.objects.filter(
                    pk=guardian_consent.pk, course_id=session.course_id, withdrawn_at__isnull=True
                ).exists()
            )
            if not current:
                raise GuardianConsentMissing
        else:
            guardian_consent = None
        if Participant.objects.filter(session=session).count() >= settings.MAX_PARTICIPANTS_PER_SESSION:
            raise SessionFull
        return Participant.objects.create(
            session=session,
            display_name=display_name.strip(),
            consented_at=timezone.now(),
            notice_version=NOTICE_VERSION,
            notice_language=notice_language,
            guardian_consent=guardian_consent,
        )


def participant_leave(*, participant_id: int, delete_data: bool) -> None:
    """Marks the student as gone. With delete_data, asks the apps that record about students to erase them from
    the session exactly as a teacher's deletion does (engagement answers with `retention.participant_erase`:
    everything recorded, the summary kept after a purge, and the participant row itself: name, join and
    consent times), and the live path to clear their live record and take their tile off open dashboards.
    """
    if delete_data and not participant_data_delete_requested.has_listeners(Participant):
        raise ImproperlyConfigured("Nothing would delete the student's data: is the engagement app installed?")
    with transaction.atomic():  # the row lock the live writes wait on (selectors.participants_present_locked)
        Participant.objects.filter(pk=participant_id).update(left_at=timezone.now())
        session_id = Participant.objects.filter(pk=participant_id).values_list("session_id", flat=True).first()
        if delete_data and session_id is not None:
            erased = {"participant_id": participant_id, "session_id": session_id}
            participant_data_delete_requested.send(sender=Participant, **erased)
            transaction.on_commit(lambda: participant_data_deleted.send(sender=Participant, **erased))


def guardian_consent_record(
    *,
    course: Course,
    recorded_by: AbstractBaseUser,
    student_name: str,
    guardian_name: str,
    verification: str,
    notice_language: str,
) -> GuardianConsent:
    """Records a guardian's consent the school verified, with a fresh code for the student to join with."""
    for _ in range(10):
        try:
            with transaction.atomic():
                return GuardianConsent.objects.create(
                    course=course,
                    recorded_by=recorded_by,
                    student_name=" ".join(student_name.split()),
                    guardian_name=" ".join(guardian_name.split()),
                    verification=verification,
                    notice_version=NOTICE_VERSION,
                    notice_language=notice_language,
                )
        except IntegrityError:  # code collision: draw another
            continue
    raise RuntimeError("Could not draw a free guardian consent code")


def guardian_consent_withdraw(*, consent: GuardianConsent) -> list[int]:
    """The guardian took their consent back: the code joins no more, and every participant who joined with it
    leaves and is erased as if they had chosen "Leave and delete my data" (DPDP Act s. 6(6), 12(3)). Returns the
    ids of those participants (their sockets are the caller's to close). Withdrawing twice changes nothing."""
    with transaction.atomic():
        updated = GuardianConsent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
        participant_ids = list(consent.participants.values_list("pk", flat=True)) if updated else []
        for participant_id in participant_ids:
            participant_leave(participant_id=participant_id, delete_data=True)
    consent.refresh_from_db(fields=["withdrawn_at"])
    return participant_ids


def session_end_by_id(session_id: int) -> bool:
    session = ClassSession.objects.filter(pk=session_id).first()
    return session is not None and session_end(session=session)
