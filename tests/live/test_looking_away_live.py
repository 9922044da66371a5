"""A head pose from the analyzer reaches the rules: a student turned away for 30 s gets a "looking away" flag,
stored and sent to the dashboard with its reason, and shown on the student's tile."""

import time

import pytest

from classroom.groups import teachers_group
from classroom.services import participant_join, session_start
from engagement.models import Flag
from inference import FaceQuality, FaceReading, FrameAnalysis, HeadPose
from live.ingest import frames_process
from live.refresh import RefreshSchedule

pytestmark = [pytest.mark.django_db]


def turned_away(jpegs: list[bytes], emotion_enabled: bool) -> list[FrameAnalysis]:
    face = FaceReading(
        box=(100, 60, 110, 110),
        detection_score=0.9,
        probabilities=None,
        quality=FaceQuality(face_px=110, brightness=120.0, blur=300.0),
        pose=HeadPose(yaw=-55.0, pitch=2.0),
    )
    return [FrameAnalysis(width=320, height=240, brightness=120.0, blur=300.0, faces=[face]) for _ in jpegs]


def test_a_student_turned_away_for_30_s_is_flagged_looking_away_on_the_dashboard(course):
    session = session_start(course=course, title="Maths", frame_interval_s=2.0)
    mia = participant_join(session=session, display_name="Mia")
    start = time.time() - 60
    out = []
    refreshes = RefreshSchedule()
    for step in range(17):  # one snapshot every 2 s for 32 s
        job = {
            "session_id": session.pk,
            "participant_id": mia.pk,
            "t": start + 2 * step,
            "reply": f"reply.{mia.pk}",
            "jpeg": b"\xff\xd8\xffturned",
            "attention": {"camera": "on"},
        }
        out += frames_process([job], turned_away, refreshes=refreshes)
    [raised] = [o for o in out if o.message["type"] == "flag.raised"]
    assert raised.target == teachers_group(session.pk)
    flag = raised.message["flag"]
    assert flag["kind"] == "looking_away" and flag["name"] == "Mia"
    assert flag["explanation"].startswith("Looking away from the screen since ")
    assert Flag.objects.get(pk=flag["id"]).kind == "looking_away"
    last_tiles = [o.message["students"] for o in out if o.message["type"] == "students.update"][-1]
    [tile] = [t for t in last_tiles if t["name"] == "Mia"]
    assert [f["kind"] for f in tile["flags"]] == ["looking_away"]
    assert "turned about 55°" in tile["flags"][0]["explanation"]
