"""Retention and deletion: purging old raw readings keeps the report; a student's data or a session can be deleted."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from classroom.models import ClassSession, Participant
from classroom.services import participant_join, session_start
from engagement.core.synthetic import reading
from engagement.models import Flag, MoodPoint, PollAnswer, Reading, ReadingPurge, SelfReport
from engagement.reports import session_report
from engagement.retention import readings_purge, retention_cutoff, session_readings_purge
from tests.engagement.conftest import T0, readings_store, scripted_session

pytestmark = pytest.mark.django_db


def run_purge(*args: str) -> dict:
    out = StringIO()
    call_command("purge_readings", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def age(session: ClassSession, days: int) -> None:
    ClassSession.objects.filter(pk=session.pk).update(started_at=timezone.now() - timedelta(days=days))
    session.refresh_from_db()


def test_the_cutoff_follows_the_setting(settings):
    settings.READING_RETENTION_DAYS = 30
    now = timezone.now()
    assert retention_cutoff(now=now) == now - timedelta(days=30)
    assert retention_cutoff(days=7, now=now) == now - timedelta(days=7)


def test_purge_deletes_old_readings_and_keeps_the_aggregates(settings, course):
    settings.READING_RETENTION_DAYS = 30
    old = scripted_session(course, "Old")
    recent = scripted_session(course, "Recent")
    age(old.session, 31)
    age(recent.session, 29)
    flags, reports = Flag.objects.count(), SelfReport.objects.count()

    result = run_purge()

    assert result["sessions"] == [{"session_id": old.session.pk, "readings": 600}]
    assert not Reading.objects.filter(session=old.session).exists()
    assert Reading.objects.filter(session=recent.session).count() == 600
    assert Flag.objects.count() == flags and SelfReport.objects.count() == reports
    assert MoodPoint.objects.filter(session=old.session).count() == 120  # 600 s in 5 s buckets
    purge = ReadingPurge.objects.get(session=old.session)
    assert purge.readings_deleted == 600


def test_the_report_after_a_purge_matches_the_report_before(course):
    scripted = scripted_session(course)
    before = session_report(scripted.session)
    assert session_readings_purge(session=scripted.session) == 600
    after = session_report(scripted.session)
    assert after["raw_readings"] == {
        "count": 0,
        "purged_at": after["raw_readings"]["purged_at"],
        "purged_count": 600,
    }
    for key in ("timeline", "engagement_curve", "confused_windows", "agreement", "voice", "summary"):
        assert after[key] == before[key], key
    ben = next(s for s in after["students"] if s["name"] == "Ben")
    assert ben["time_present_s"] == 480 and ben["share_absent"] == pytest.approx(100 / 600)


def test_purge_keeps_the_timeline_the_live_dashboard_stored(course):
    scripted = scripted_session(course)
    MoodPoint.objects.create(session=scripted.session, t=scripted.session.started_at, shares={"sad": 1.0}, present=2)
    session_readings_purge(session=scripted.session)
    assert list(MoodPoint.objects.values_list("shares", "present")) == [({"sad": 1.0}, 2)]


def test_the_report_says_when_raw_readings_were_purged(client, teacher, course):
    scripted = scripted_session(course)
    session_readings_purge(session=scripted.session)
    client.force_login(teacher)
    page = client.get(reverse("engagement:session_report", args=[scripted.session.pk])).content.decode()
    assert 'id="readings-purged"' in page and "(600) were deleted" in page
    rows = b"".join(client.get(reverse("engagement:readings_csv", args=[scripted.session.pk])).streaming_content)
    assert rows.decode().count("\n") == 1  # header only
    history = client.get(reverse("engagement:course_history", args=[course.pk])).content.decode()
    assert "raw readings purged" in history


def test_a_dry_run_deletes_nothing(course):
    scripted = scripted_session(course)
    age(scripted.session, 400)
    result = run_purge("--days", "365", "--dry-run")
    assert result["dry_run"] and result["readings"] == 600
    assert Reading.objects.filter(session=scripted.session).count() == 600
    assert not ReadingPurge.objects.exists()


def test_purge_leaves_live_sessions_alone(course):
    live = session_start(course=course, title="Live")
    pid = participant_join(session=live, display_name="Mia").pk
    readings_store(live.pk, [reading(pid, T0 + s) for s in range(10)])
    age(live, 10)
    result = run_purge("--days", "1")
    assert result["readings"] == 0 and result["live_sessions_skipped"] == 1
    assert Reading.objects.filter(session=live).count() == 10


def test_purge_refuses_negative_days():
    with pytest.raises(CommandError):
        call_command("purge_readings", "--days", "-1")


def test_purging_twice_keeps_the_first_summaries(course):
    scripted = scripted_session(course)
    age(scripted.session, 10)
    assert [s.readings for s in readings_purge(cutoff=timezone.now())] == [600]
    assert readings_purge(cutoff=timezone.now()) == []
    assert ReadingPurge.objects.get().readings_deleted == 600
    assert len(ReadingPurge.objects.get().students) == 2


def test_the_admin_action_purges_selected_sessions(client, staff, course):
    scripted = scripted_session(course)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post(
        reverse("admin:classroom_classsession_changelist"),
        {"action": "purge_readings", "_selected_action": [scripted.session.pk]},
    )
    assert response.status_code == 302
    assert not Reading.objects.filter(session=scripted.session).exists()
    assert ReadingPurge.objects.filter(session=scripted.session).exists()
    change = client.get(reverse("admin:classroom_classsession_change", args=[scripted.session.pk])).content.decode()
    assert reverse("engagement:session_report", args=[scripted.session.pk]) in change


def test_the_admin_shows_readings_read_only(client, staff, course):
    scripted_session(course)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    assert client.get(reverse("admin:engagement_reading_changelist") + "?q=Ana").status_code == 200
    assert client.get(reverse("admin:engagement_reading_add")).status_code == 403
    reading_id = Reading.objects.values_list("pk", flat=True).first()
    response = client.post(reverse("admin:engagement_reading_change", args=[reading_id]), {"camera": "off"})
    assert response.status_code == 403 or Reading.objects.get(pk=reading_id).camera == "on"
    for name in ("flag", "selfreport", "moodpoint", "readingpurge"):
        assert client.get(reverse(f"admin:engagement_{name}_changelist")).status_code == 200
    for name in ("classsession", "participant"):
        assert client.get(reverse(f"admin:classroom_{name}_changelist") + "?q=Optics").status_code == 200


def test_a_teacher_deletes_one_students_data(client, teacher, course):
    scripted = scripted_session(course)
    session_readings_purge(session=scripted.session)
    Reading.objects.create(session=scripted.session, participant=scripted.ben, t=scripted.session.ended_at)
    client.force_login(teacher)
    url = reverse("engagement:participant_data_delete", args=[scripted.session.pk, scripted.ben.pk])
    response = client.post(url)
    assert response["Location"] == reverse("engagement:session_report", args=[scripted.session.pk])
    assert not Participant.objects.filter(pk=scripted.ben.pk).exists()
    for model in (Reading, Flag, SelfReport, PollAnswer):
        assert not model.objects.filter(participant_id=scripted.ben.pk).exists(), model
    assert list(ReadingPurge.objects.get().students) == [str(scripted.ana.pk)]
    assert Flag.objects.filter(participant=scripted.ana).count() == 1
    report = session_report(scripted.session)
    assert [s["name"] for s in report["students"]] == ["Ana"]
    assert report["voice"]["counts"]["confused"] == 1


def test_a_teacher_deletes_a_session(client, teacher, course):
    scripted = scripted_session(course)
    client.force_login(teacher)
    response = client.post(reverse("engagement:session_delete", args=[scripted.session.pk]))
    assert response["Location"] == reverse("engagement:course_history", args=[course.pk])
    assert not ClassSession.objects.filter(pk=scripted.session.pk).exists()
    for model in (Reading, Flag, SelfReport, MoodPoint, Participant):
        assert not model.objects.exists(), model


def test_live_sessions_cannot_be_deleted_from_the_report(client, teacher, course):
    live = session_start(course=course, title="Live")
    mia = participant_join(session=live, display_name="Mia")
    client.force_login(teacher)
    for url in (
        reverse("engagement:session_delete", args=[live.pk]),
        reverse("engagement:participant_data_delete", args=[live.pk, mia.pk]),
    ):
        assert client.post(url)["Location"] == reverse("engagement:session_report", args=[live.pk])
    assert ClassSession.objects.filter(pk=live.pk).exists() and Participant.objects.filter(pk=mia.pk).exists()


def test_deleting_a_participant_in_the_admin_also_drops_their_kept_summary(client, staff, course):
    scripted = scripted_session(course)
    session_readings_purge(session=scripted.session)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post(
        reverse("admin:classroom_participant_changelist"),
        {"action": "delete_selected", "_selected_action": [scripted.ben.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Participant.objects.filter(pk=scripted.ben.pk).exists()
    assert list(ReadingPurge.objects.get().students) == [str(scripted.ana.pk)]
