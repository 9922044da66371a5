"""Session reports, class history and exports on a scripted session with known answers (see conftest.py)."""

import csv
import io
import json
import re

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classroom.services import participant_join
from engagement import core
from engagement.core.synthetic import CONFUSED, HAPPY, NEUTRAL, reading
from engagement.exports import readings_csv_chunks
from engagement.models import Flag, MoodPoint, Reading, SelfReport
from engagement.reports import course_history, session_readings, session_report
from engagement.rows import flag_events_of
from engagement.templatetags.report_format import clock_offset, duration, share
from tests.engagement.conftest import SESSION_S, STEP_S, T0, at, ended_session, readings_store, scripted_session

pytestmark = pytest.mark.django_db


def share_of(probabilities: tuple[float, ...], emotion: str) -> float:
    return probabilities[core.EMOTIONS.index(emotion)]


def student(report: dict, name: str) -> dict:
    return next(s for s in report["students"] if s["name"] == name)


def test_it_reports_time_present_and_flag_shares_per_student(scripted):
    report = session_report(scripted.session)
    ana, ben = student(report, "Ana"), student(report, "Ben")
    assert ana["time_connected_s"] == SESSION_S and ana["time_present_s"] == SESSION_S
    assert ben["time_connected_s"] == SESSION_S and ben["time_present_s"] == 480
    assert ben["share_present"] == pytest.approx(0.8)
    assert ana["share_confused"] == pytest.approx(90 / 600)  # flag up from T0+330 to T0+420
    assert ben["share_absent"] == pytest.approx(100 / 600)  # raised at T0+500, still up when the session ended
    assert ana["share_bored"] == 0 and ben["share_confused"] == 0
    assert [f["kind"] for f in ana["flags"]] == ["confused"]
    assert ana["flags"][0]["raised_at"] == T0 + 330 and ana["flags"][0]["cleared_at"] == T0 + 420
    assert ben["reports"]["confused"] == 1 and ben["reports"]["too_fast"] == 1


def test_it_names_the_dominant_emotions(scripted):
    ana = student(session_report(scripted.session), "Ana")
    # 240 neutral readings and 60 confused-looking ones
    expected_neutral = (240 * share_of(NEUTRAL, "neutral") + 60 * share_of(CONFUSED, "neutral")) / 300
    assert ana["dominant_emotions"][0] == {"emotion": "neutral", "share": round(expected_neutral, 3)}
    ben = student(session_report(scripted.session), "Ben")
    assert ben["dominant_emotions"][0]["emotion"] == "happy"


def test_the_timeline_averages_students_equally(scripted):
    report = session_report(scripted.session)
    first = report["timeline"][0]
    assert first["t"] == T0 and first["present"] == 2 and first["connected"] == 2
    # each student's bucket is averaged first, so the shares are the mean of the two students' probabilities
    expected = (share_of(NEUTRAL, "happy") + share_of(HAPPY, "happy")) / 2
    assert first["shares"]["happy"] == pytest.approx(expected)
    assert len(report["timeline"]) == SESSION_S // 5
    late = next(p for p in report["timeline"] if p["t"] == T0 + 500)
    assert late["present"] == 1 and late["shares"]["neutral"] == pytest.approx(share_of(NEUTRAL, "neutral"))


def test_the_most_confused_minutes_are_judged_against_each_students_own_usual_face_and_the_taps(scripted):
    windows = session_report(scripted.session)["confused_windows"]
    # Ana looked confused from T0+300 to T0+420, 20% of her session: every frame then is 80 points above her usual.
    assert [(w["start"], w["end"]) for w in windows[:2]] == [(T0 + 300, T0 + 360), (T0 + 360, T0 + 420)]
    assert windows[0]["looked_confused"] == 1 and windows[0]["above_usual"] == pytest.approx(0.8)
    assert windows[0]["seen"] == 2 and windows[0]["tapped"] == 1  # her tap at T0+350
    # Ben's tap at T0+100, with nothing on his face, is a moment too, ranked below.
    assert windows[2]["looked_confused"] == 0 and windows[2]["tapped"] == 1
    assert windows[2]["start"] <= T0 + 100 < windows[2]["end"]


def test_a_class_at_its_ordinary_level_has_no_confused_moment(teacher, course):
    session = ended_session(course, "Steady")
    pid = participant_join(session=session, display_name="Cy").pk
    # Confused-looking half the time, all session long: that is this student's usual, not a moment.
    readings_store(
        session.pk, [reading(pid, T0 + s, probabilities=CONFUSED if s % 4 else NEUTRAL) for s in range(0, 600, 2)]
    )
    assert session_report(session)["confused_windows"] == []


def test_it_compares_confused_taps_with_facial_flags(scripted):
    report = session_report(scripted.session)
    agreement = report["agreement"]
    assert agreement["confused_reports"] == 2 and agreement["preceded_by_flag"] == 1 and agreement["share"] == 0.5
    assert agreement["face_flags"] == 1 and agreement["followed_by_report"] == 1
    assert report["voice"]["counts"] == {"confused": 2, "too_fast": 1, "too_slow": 0, "all_good": 0, "raise_hand": 0}
    assert report["voice"]["students"]["confused"] == 2


def test_report_numbers_come_from_the_live_core_functions(scripted):
    readings = session_readings(scripted.session.pk)
    flags = flag_events_of(Flag.objects.filter(session=scripted.session))
    taps = [
        core.SelfReport(r.participant_id, r.t.timestamp(), r.kind, r.text)
        for r in SelfReport.objects.filter(session=scripted.session)
    ]
    points = core.mood_timeline(readings, flags=flags, reports=taps, bucket_s=5)
    report = session_report(scripted.session)
    assert report["timeline"] == [p.to_dict() for p in points]
    assert report["engagement_curve"] == core.engagement_curve(points, smooth_s=60)
    engagement = [p.engagement for p in points]
    assert report["summary"]["average_engagement"] == round(sum(engagement) / len(engagement), 1)
    summary = core.student_summary(
        [r for r in readings if r.participant_id == scripted.ben.pk],
        [e for e in flags if e.participant_id == scripted.ben.pk],
        [],
        participant_id=scripted.ben.pk,
        end=T0 + SESSION_S,
    )
    assert student(report, "Ben")["engagement"] == summary["engagement"]
    assert report["summary"]["flags"] == {"absent": 1, "confused": 1, "bored": 0, "looking_away": 0}
    assert report["session"]["duration_s"] == SESSION_S


def test_the_report_shows_the_timeline_the_live_dashboard_stored(scripted):
    MoodPoint.objects.create(
        session=scripted.session,
        t=at(0),
        shares={"happy": 1.0},
        present=1,
        connected=3,
        engagement=42.0,
        attention=50.0,
    )
    report = session_report(scripted.session)
    assert report["timeline"] == [
        {
            "t": T0,
            "shares": {"happy": 1.0},
            "present": 1,
            "connected": 3,
            "engagement": 42.0,
            "attention": 50.0,
            "confused_share": None,
            "attentive_share": None,
            "taps": dict.fromkeys(core.REPORT_KINDS, 0),
        }
    ]
    assert report["summary"]["average_engagement"] == 42.0
    assert student(report, "Ben")["time_present_s"] == 480  # students still come from the readings


def test_the_report_page_shows_the_numbers(client, teacher, scripted):
    client.force_login(teacher)
    response = client.get(reverse("engagement:session_report", args=[scripted.session.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "09:05:00</time>–<time" in page  # the most confused stretch starts at T0+300 (UTC)
    assert "(5:00 into the session)" in page
    assert 'id="report-timeline-data"' in page
    assert re.search(r'src="/static/js/report\.[0-9a-f]{12}\.js"', page)  # the manifest's hashed name
    assert "1 of 2 “I'm confused” taps (50%)" in page
    assert "<script>" not in page  # CSP: data only in json_script tags, code in static files
    rows = response.context["report"]["students"]
    assert [row["name"] for row in rows] == ["Ana", "Ben"]
    assert "8 min" in page  # Ben's 480 s in view


def test_the_report_lists_a_student_without_readings(teacher, course):
    session = ended_session(course, "Empty")
    participant_join(session=session, display_name="Zoe")
    report = session_report(session)
    assert [s["name"] for s in report["students"]] == ["Zoe"]
    assert report["students"][0]["time_present_s"] == 0 and report["timeline"] == []
    assert report["confused_windows"] == [] and report["summary"]["average_engagement"] is None


def test_report_queries_do_not_grow_with_students(client, teacher, course):
    def queries_for(students: int) -> int:
        session = ended_session(course, f"{students} students")
        for i in range(students):
            pid = participant_join(session=session, display_name=f"S{i}").pk
            readings_store(session.pk, [reading(pid, T0 + s) for s in range(0, 60, STEP_S)])
        client.force_login(teacher)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("engagement:session_report", args=[session.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert queries_for(2) == queries_for(12)


def test_json_export_is_the_report(client, teacher, scripted):
    client.force_login(teacher)
    response = client.get(reverse("engagement:report_json", args=[scripted.session.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["version"] == 1
    assert data["confused_windows"][0]["start"] == T0 + 300
    assert {s["name"] for s in data["students"]} == {"Ana", "Ben"}


def streamed_csv(response) -> list[dict[str, str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_readings_csv_streams_every_reading(client, teacher, scripted):
    client.force_login(teacher)
    response = client.get(reverse("engagement:readings_csv", args=[scripted.session.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = streamed_csv(response)
    assert len(rows) == Reading.objects.filter(session=scripted.session).count() == 2 * SESSION_S // STEP_S
    first_ana = next(r for r in rows if r["name"] == "Ana")
    assert first_ana["t"] == at(0).isoformat() and float(first_ana["p_neutral"]) == share_of(NEUTRAL, "neutral")
    away = [r for r in rows if r["name"] == "Ben" and r["face"] == "False"]
    assert len(away) == 60 and all(r["p_happy"] == "" and r["quality"] == "no_face" for r in away)
    assert [r["t"] for r in rows] == sorted(r["t"] for r in rows)


def test_readings_csv_pages_through_the_session_in_order(teacher, scripted):
    chunks = list(readings_csv_chunks(scripted.session.pk, chunk_rows=7))
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(rows) == 600 and len(chunks) == 1 + -(-600 // 7)
    keys = [(r["t"], r["participant_id"]) for r in rows]
    assert len(set(keys)) == 600 and keys == sorted(keys)


@pytest.mark.django_db(transaction=True)
async def test_readings_csv_streams_asynchronously_under_asgi(async_client, teacher, scripted):
    await async_client.aforce_login(teacher)
    response = await async_client.get(reverse("engagement:readings_csv", args=[scripted.session.pk]))
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content]).decode()
    assert len(body.splitlines()) == 1 + 600
    await sync_to_async(connections.close_all)()  # the worker thread's connection, or PostgreSQL keeps the test db


def test_flags_csv_lists_flags_and_keeps_formulas_out(client, teacher, course):
    session = scripted_session(course).session
    session.participants.filter(display_name="Ben").update(display_name="=HYPERLINK(1)")
    client.force_login(teacher)
    rows = streamed_csv(client.get(reverse("engagement:flags_csv", args=[session.pk])))
    assert [(r["kind"], r["duration_s"]) for r in rows] == [("confused", "90.0"), ("absent", "")]
    assert rows[1]["name"] == "'=HYPERLINK(1)"


def test_the_print_view_has_the_tables_and_no_delete_buttons(client, teacher, scripted):
    client.force_login(teacher)
    page = client.get(reverse("engagement:report_print", args=[scripted.session.pk])).content.decode()
    assert 'id="student-table"' in page and "report-print." in page  # report-print.<hash>.css
    assert "Delete data" not in page and "Delete session" not in page


def test_class_history_lists_sessions_with_their_numbers(client, teacher, course):
    scripted = scripted_session(course, "Optics")
    later = ended_session(course, "Lenses")
    MoodPoint.objects.create(session=later, t=at(0), engagement=60.0)
    MoodPoint.objects.create(session=later, t=at(5), engagement=80.0)
    history = course_history(course)
    by_title = {row["session"].title: row for row in history}
    assert by_title["Optics"]["students"] == 2 and by_title["Optics"]["flags"] == 2
    assert by_title["Optics"]["duration_s"] == SESSION_S
    assert by_title["Lenses"]["average_engagement"] == 70.0 and by_title["Lenses"]["students"] == 0
    client.force_login(teacher)
    response = client.get(reverse("engagement:course_history", args=[course.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("engagement:session_report", args=[scripted.session.pk]) in page
    assert 'id="history-data"' in page and "10 min" in page
    course_page = client.get(reverse("classroom:course_detail", args=[course.pk])).content.decode()
    assert reverse("engagement:course_history", args=[course.pk]) in course_page
    assert [row["title"] for row in response.context["comparison"]] == [
        row["session"].display_title for row in reversed(history)
    ]


def test_class_history_queries_do_not_grow_with_sessions(client, teacher, course):
    client.force_login(teacher)
    ended_session(course, "one")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("engagement:course_history", args=[course.pk]))
    for i in range(5):
        ended_session(course, f"more {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("engagement:course_history", args=[course.pk]))
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_report_query_uses_the_session_time_index():
    indexed = [tuple(index.fields) for index in Reading._meta.indexes]
    assert ("session", "t") in indexed
    table = Reading._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert any(c["index"] and c["columns"] == ["session_id", "t"] for c in constraints.values())


def test_report_formatting_of_durations_offsets_and_shares():
    assert [duration(s) for s in (None, 42, 600, 3900)] == ["—", "42 s", "10 min", "1 h 05 min"]
    assert clock_offset(T0 + 300, T0) == "5:00" and clock_offset(T0 + 3725, T0) == "1:02:05"
    assert share(0.254) == "25%" and share(None) == "—"


def test_flags_raised_by_a_tap_do_not_count_as_facial_flags(scripted):
    Flag.objects.create(
        session=scripted.session,
        participant=scripted.ben,
        kind="confused",
        raised_at=at(100),
        cleared_at=at(160),
        explanation="Tapped “I'm confused”.",
    )
    agreement = session_report(scripted.session)["agreement"]
    assert agreement["face_flags"] == 1 and agreement["preceded_by_flag"] == 1
