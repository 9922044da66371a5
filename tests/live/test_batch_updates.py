"""A batch of analyzed snapshots reaches each session's dashboard as one message."""

import time

import pytest

from classroom.groups import teachers_group
from classroom.services import participant_join, session_start
from live.ingest import frames_process
from live.refresh import RefreshSchedule
from tests.live.conftest import fake_jpeg

pytestmark = [pytest.mark.django_db]


def job(participant, label: str = "happy") -> dict:
    return {
        "session_id": participant.session_id,
        "participant_id": participant.pk,
        "t": time.time(),
        "reply": f"reply.{participant.pk}",
        "jpeg": fake_jpeg(label),
        "attention": {"camera": "on"},
    }


def test_each_session_gets_one_update_with_every_tile_of_the_batch(analyzer, course):
    maths = session_start(course=course, title="Maths", frame_interval_s=1.0)
    art = session_start(course=course, title="Art", frame_interval_s=1.0)
    mia, noah, ava = (
        participant_join(session=s, display_name=n) for s, n in ((maths, "Mia"), (maths, "Noah"), (art, "Ava"))
    )

    out = frames_process([job(mia), job(noah, "sad"), job(ava)], analyzer, refreshes=RefreshSchedule())

    updates = {o.target: o.message for o in out if o.message["type"] == "students.update"}
    assert set(updates) == {teachers_group(maths.pk), teachers_group(art.pk)}
    maths_tiles = updates[teachers_group(maths.pk)]["students"]
    assert [(t["name"], t["emotion"]) for t in maths_tiles] == [("Mia", "happy"), ("Noah", "sad")]
    assert [t["name"] for t in updates[teachers_group(art.pk)]["students"]] == ["Ava"]
    assert not any(o.message["type"] == "student.update" for o in out)
