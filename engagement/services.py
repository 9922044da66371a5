"""Writes for student voice, polls and data deletion (the live path is in live/)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from classroom.models import Participant
from engagement.models import Flag, Poll, PollAnswer, Reading, SelfReport


def report_dict(report: SelfReport, name: str) -> dict:
    return {
        "participant_id": report.participant_id,
        "name": name,
        "kind": report.kind,
        "text": report.text,
        "t": report.t.timestamp(),
    }


def voice_counts(session_id: int, *, since: datetime | None = None) -> dict[str, int]:
    """How many students said each thing; each student counts once per kind, their latest say only."""
    reports = SelfReport.objects.filter(session_id=session_id)
    if since is not None:
        reports = reports.filter(t__gte=since)
    rows = reports.values("kind").annotate(students=Count("participant", distinct=True))
    return {row["kind"]: row["students"] for row in rows}


def _present_locked(participant_id: int) -> Participant | None:
    """The student unless they left; locked until the transaction ends, so a concurrent leave with
    "delete my data" either is seen here or waits and then deletes what this transaction writes."""
    return Participant.objects.select_for_update().filter(pk=participant_id, left_at__isnull=True).first()


@transaction.atomic
def self_report_record(*, participant_id: int, kind: str, text: str = "") -> dict | None:
    """Stores a self-report; returns it as a protocol `report` dict with the class counts (None: they left)."""
    participant = _present_locked(participant_id)
    if participant is None:
        return None
    report = SelfReport.objects.create(
        session_id=participant.session_id, participant=participant, kind=kind, text=text, t=timezone.now()
    )
    recent = timezone.now() - timezone.timedelta(minutes=5)
    return {
        **report_dict(report, participant.display_name),
        "counts": voice_counts(participant.session_id, since=recent),
    }


def poll_dict(poll: Poll) -> dict:
    counts = dict.fromkeys(Poll.OPTIONS, 0)
    for row in poll.answers.values("answer").annotate(n=Count("pk")):
        counts[row["answer"]] = row["n"]
    return {
        "id": poll.pk,
        "question": poll.question,
        "options": list(Poll.OPTIONS),
        "counts": counts,
        "open": poll.is_open,
    }


def poll_open(*, session_id: int, question: str) -> dict:
    """Opens a pulse-check poll (closing any open one); returns the protocol `poll` dict."""
    now = timezone.now()
    with transaction.atomic():
        Poll.objects.filter(session_id=session_id, closed_at__isnull=True).update(closed_at=now)
        poll = Poll.objects.create(session_id=session_id, question=question, opened_at=now)
    return poll_dict(poll)


def poll_close(*, session_id: int, poll_id: int) -> dict | None:
    updated = Poll.objects.filter(pk=poll_id, session_id=session_id, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    return poll_dict(Poll.objects.get(pk=poll_id)) if updated else None


def poll_answer_record(*, session_id: int, participant_id: int, poll_id: int, answer: str) -> dict | None:
    """Records (or changes) a student's answer; None when the poll is not open in this session (or they left)."""
    poll = Poll.objects.filter(pk=poll_id, session_id=session_id, closed_at__isnull=True).first()
    if poll is None:
        return None
    with transaction.atomic():
        if _present_locked(participant_id) is None:
            return None
        PollAnswer.objects.update_or_create(
            poll=poll, participant_id=participant_id, defaults={"answer": answer, "t": timezone.now()}
        )
    return poll_dict(poll)


def participant_data_delete(*, participant_id: int) -> None:
    """Deletes what was recorded about one student in their session (readings, flags, voice, answers)."""
    with transaction.atomic():
        Reading.objects.filter(participant_id=participant_id).delete()
        Flag.objects.filter(participant_id=participant_id).delete()
        SelfReport.objects.filter(participant_id=participant_id).delete()
        PollAnswer.objects.filter(participant_id=participant_id).delete()
