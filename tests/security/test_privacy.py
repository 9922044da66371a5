"""Privacy: snapshots never reach disk, the database, the cache or the logs; tokens never reach the logs;
a student can leave and have their data deleted, by socket or by a plain POST."""

import base64
import io
import json
import logging
import os
import pickle
import secrets
import tempfile
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.apps import apps
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from PIL import Image

from classroom.models import Participant
from classroom.services import participant_leave
from engagement.models import Flag, Poll, PollAnswer, Reading, ReadingPurge, SelfReport
from engagement.retention import session_readings_purge
from live import consumers
from live.engine import engine
from live.ingest import frames_process
from live.refresh import RefreshSchedule
from ops.metrics import sample_total
from tests.classroom.conftest import token_for
from tests.engagement.conftest import Scripted, scripted_session
from tests.live.conftest import fake_analysis
from tests.live.sockets import closed_with, joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]


class MarkedFrames:
    """Real JPEG frames that each carry a unique marker (in a JPEG comment); the analyzer sees a happy face in
    every one."""

    def __init__(self) -> None:
        self.marker = secrets.token_hex(16).encode()
        self.sent: list[bytes] = []

    def next(self) -> bytes:
        out = io.BytesIO()
        picture = Image.effect_noise((160, 120), 40).convert("RGB")
        picture.save(out, format="JPEG", quality=70, comment=self.marker + secrets.token_hex(32).encode() + self.marker)
        frame = out.getvalue()
        self.sent.append(frame)
        return frame

    def analyze(self, jpegs: list[bytes], emotion_enabled: bool) -> list:
        return [fake_analysis(b"\xff\xd8\xffhappy", emotion_enabled) for _ in jpegs]

    def traces(self) -> list[bytes]:
        """How a frame could show up: raw, hex, base64 (a data URL), latin-1 text."""
        found = [self.marker, self.marker.hex().encode()]
        for frame in self.sent:
            at = frame.index(self.marker)
            found += [base64.b64encode(frame), frame[at : at + 80]]
        return found


@pytest.fixture
def frames(monkeypatch) -> MarkedFrames:
    marked = MarkedFrames()
    monkeypatch.setattr(engine(), "analyze", marked.analyze)
    return marked


def files_in(folder: Path) -> dict[Path, tuple[float, int]]:
    found = {}
    for root, _dirs, names in os.walk(folder, onerror=lambda _: None):
        for name in names:
            path = Path(root, name)
            try:
                stat = path.stat()
            except OSError:
                continue
            found[path] = (stat.st_mtime, stat.st_size)
    return found


def changed_files(before: dict[Path, tuple[float, int]], after: dict[Path, tuple[float, int]]) -> list[Path]:
    return [path for path, seen in after.items() if before.get(path) != seen]


def contains_any(path: Path, needles: list[bytes]) -> bool:
    try:
        if path.stat().st_size > 64 * 1024 * 1024:
            return False
        data = path.read_bytes()
    except OSError:  # another process's file, gone or unreadable
        return False
    return any(needle in data for needle in needles)


def database_values() -> list[bytes]:
    """Every stored value of every model, as bytes (text and JSON as their repr)."""
    values = []
    for model in apps.get_models():
        for row in model.objects.all().values_list():
            values += [v if isinstance(v, bytes | memoryview) else repr(v).encode() for v in row]
    return [bytes(v) for v in values]


def cache_values() -> list[bytes]:
    """The live state in the (local-memory) cache, as the pickled bytes it keeps."""
    return [value if isinstance(value, bytes) else pickle.dumps(value) for value in caches["default"]._cache.values()]


async def test_streamed_snapshots_touch_no_disk_database_cache_or_log(
    frames, teacher, student, settings, tmp_path, caplog
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Path(settings.MEDIA_ROOT).mkdir()
    await database_sync_to_async(type(student.session).objects.filter(pk=student.session_id).update)(
        show_snapshots=True
    )
    watched = [Path(settings.MEDIA_ROOT), Path(tempfile.gettempdir())]
    before = {folder: files_in(folder) for folder in watched}
    caplog.set_level(logging.DEBUG)

    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    await dashboard.send_json_to({"type": "thumbnails", "every_s": 2, "visible": [student.pk]})
    browser = await joined_student_socket(student)
    thumbnails = []
    for _ in range(5):
        await browser.send_to(bytes_data=frames.next())
        update = await receive_until(dashboard, "student.update", where=lambda m: m["student"]["status"] == "live")
        thumbnails += [update["student"]["snapshot"]] if "snapshot" in update["student"] else []
    # The teacher did see a thumbnail of the first snapshot (shrunk in memory), so the frames really went through.
    assert thumbnails and thumbnails[0].startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(thumbnails[0].split(",", 1)[1]))) as thumb:
        assert thumb.format == "JPEG" and thumb.width <= 96 and thumb.height <= 72
    await browser.send_to(bytes_data=b"GIF89a" + frames.marker)  # refused frames are not kept either
    await receive_until(browser, "error")
    await browser.disconnect()
    await dashboard.disconnect()

    assert await database_sync_to_async(Reading.objects.filter(participant=student).count)() == 5
    for folder in watched:
        new_or_changed = changed_files(before[folder], files_in(folder))
        assert [p for p in new_or_changed if contains_any(p, frames.traces())] == [], folder
    assert not any(
        trace in value for value in await database_sync_to_async(database_values)() for trace in frames.traces()
    )
    assert not any(trace in value for value in cache_values() for trace in frames.traces())
    log_text = caplog.text.encode("utf-8", "backslashreplace")
    assert not any(trace in log_text for trace in frames.traces())


async def test_logs_never_contain_tokens_or_frame_bytes(frames, live_session, caplog, monkeypatch):
    """Joining, then every path that logs: bad frames, a corrupt one, a full queue, a reconnect."""
    caplog.set_level(logging.DEBUG)
    client = Client()
    joined = await database_sync_to_async(client.post)(
        reverse("classroom:join"), {"code": live_session.code, "display_name": "Mia", "consent": "on"}
    )
    assert joined.status_code == 302
    page = await database_sync_to_async(client.get)(joined["Location"])
    token = page.context["ws_path"].split("token=", 1)[1]

    browser = await student_socket(token)
    await receive_until(browser, "hello")
    await browser.send_to(bytes_data=frames.next())
    await receive_until(browser, "quality")  # the in-memory test database takes one writer at a time
    await browser.send_to(bytes_data=b"not a jpeg" + frames.marker)
    await receive_until(browser, "error")
    await browser.send_to(text_data='{"type": "self_report", "kind": "confused", "text": "' + token + '"}')
    await receive_until(browser, "self_report.ack")

    async def full(*args, **kwargs):
        raise ChannelFull()

    with monkeypatch.context() as patched:
        patched.setattr(get_channel_layer(), "send", full)
        await browser.send_to(bytes_data=frames.next())
        assert (await receive_until(browser, "error"))["code"] == "overloaded"
    second = await student_socket(token)  # replaces the first socket
    await receive_until(second, "hello")
    await closed_with(browser)
    await second.disconnect()

    assert sample_total("pulse_snapshots_lost_total", reason="channel") >= 1
    log_text = caplog.text
    assert token not in log_text
    assert token.split(":")[-1] not in log_text  # not even the signature part
    assert not any(trace.decode("latin-1") in log_text for trace in frames.traces())


# --- leaving and deleting


def recorded_about(participant: Participant) -> dict[str, int]:
    return {
        "readings": Reading.objects.filter(participant=participant).count(),
        "flags": Flag.objects.filter(participant=participant).count(),
        "voice": SelfReport.objects.filter(participant=participant).count(),
    }


async def stream_and_report(browser, dashboard, frames: MarkedFrames, participant: Participant) -> None:
    """A reading and a self-report, each through the worker too (so nothing of theirs is still on the way)."""
    await browser.send_to(bytes_data=frames.next())
    await receive_until(browser, "quality")
    await browser.send_json_to({"type": "self_report", "kind": "confused"})
    await receive_until(browser, "self_report.ack")
    await receive_until(dashboard, "student.update", where=lambda m: m["student"]["last_report"] is not None)
    recorded = await database_sync_to_async(recorded_about)(participant)
    assert recorded["readings"] == 1 and recorded["voice"] == 1


async def gone_from_the_dashboard(dashboard) -> None:
    """Waits until the tile is taken off and the worker has handled the socket's end (after which nothing more
    may be recorded, nor any tile of theirs come back)."""
    await receive_until(dashboard, "student.removed")
    while not await dashboard.receive_nothing(timeout=0.5):  # the class's only student: any tile would be theirs
        message = await dashboard.receive_json_from()
        assert message["type"] not in ("student.update", "students.update"), message
    await dashboard.disconnect()


async def test_a_student_leaves_with_delete_my_data_over_the_socket(frames, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)
    await stream_and_report(browser, dashboard, frames, student)
    await browser.send_json_to({"type": "leave", "delete_my_data": True})
    assert await closed_with(browser) == 1000
    await browser.disconnect()
    await gone_from_the_dashboard(dashboard)
    assert await database_sync_to_async(recorded_about)(student) == {"readings": 0, "flags": 0, "voice": 0}
    assert not await database_sync_to_async(Participant.objects.filter(pk=student.pk).exists)()  # the name too


async def test_a_student_deletes_their_data_with_a_plain_post_even_without_a_socket(frames, teacher, live_session):
    client = Client()
    joined = await database_sync_to_async(client.post)(
        reverse("classroom:join"), {"code": live_session.code, "display_name": "Mia", "consent": "on"}
    )
    page = await database_sync_to_async(client.get)(joined["Location"])
    delete_url = reverse("classroom:student_data_delete", args=[live_session.pk])
    assert delete_url in page.content.decode()  # the student page offers it
    participant = await database_sync_to_async(Participant.objects.get)(session=live_session)
    dashboard = await teacher_socket(teacher, live_session.pk)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(participant)
    await stream_and_report(browser, dashboard, frames, participant)

    response = await database_sync_to_async(client.post)(delete_url)
    assert response["Location"] == reverse("classroom:student", args=[live_session.pk])
    assert await closed_with(browser) == 1000  # the open socket was told to go
    await browser.disconnect()
    await gone_from_the_dashboard(dashboard)
    assert await database_sync_to_async(recorded_about)(participant) == {"readings": 0, "flags": 0, "voice": 0}
    assert not await database_sync_to_async(Participant.objects.filter(pk=participant.pk).exists)()
    # This browser's student page (and Back) now says so; the old token opens no socket.
    again = await database_sync_to_async(client.get)(response["Location"])
    assert "Your data from this class was deleted" in again.content.decode()
    refused = await student_socket(token_for(participant))
    assert await closed_with(refused) == consumers.CLOSE_UNAUTHORIZED


def erase_as_teacher(client: Client, scripted: Scripted) -> None:
    client.force_login(scripted.session.course.teacher)
    url = reverse("engagement:participant_data_delete", args=[scripted.session.pk, scripted.ben.pk])
    assert client.post(url).status_code == 302


def erase_as_the_student(client: Client, scripted: Scripted) -> None:
    """From Ben's own browser, after the class ended: his token is in its Django session."""
    browser_session = client.session
    browser_session["pulse_participant_tokens"] = {str(scripted.session.pk): token_for(scripted.ben)}
    browser_session.save()
    assert client.post(reverse("classroom:student_data_delete", args=[scripted.session.pk])).status_code == 302


def what_is_left_of_ben(client: Client, scripted: Scripted) -> dict:
    client.force_login(scripted.session.course.teacher)
    exports = [
        client.get(reverse(f"engagement:{name}", args=[scripted.session.pk]))
        for name in ("session_report", "report_json", "readings_csv", "flags_csv")
    ]
    texts = [b"".join(r.streaming_content if r.streaming else [r.content]).decode() for r in exports]
    return {
        "participant": Participant.objects.filter(pk=scripted.ben.pk).exists(),
        "rows": [
            m.__name__
            for m in (Reading, Flag, SelfReport, PollAnswer)
            if m.objects.filter(participant_id=scripted.ben.pk).exists()
        ],
        "kept summary": str(scripted.ben.pk) in ReadingPurge.objects.get(session=scripted.session).students,
        "named in": [
            name
            for name, text in zip(("report", "report.json", "readings.csv", "flags.csv"), texts, strict=True)
            if "Ben" in text
        ],
        "students in report.json": [s["name"] for s in json.loads(texts[1])["students"]],
    }


@pytest.mark.parametrize("erase", [erase_as_teacher, erase_as_the_student], ids=["teacher", "student"])
def test_a_students_own_deletion_erases_what_the_teachers_deletion_erases(client, course, erase):
    """Readings, flags, voice, poll answers, the summary kept after a purge, and the name with its join and
    consent times: the report, report.json and both CSVs no longer list the student."""
    scripted = scripted_session(course)
    poll = Poll.objects.create(session=scripted.session, question="Ready?", opened_at=scripted.session.started_at)
    PollAnswer.objects.create(poll=poll, participant=scripted.ben, answer="yes", t=scripted.session.started_at)
    session_readings_purge(session=scripted.session)
    Reading.objects.create(session=scripted.session, participant=scripted.ben, t=scripted.session.ended_at)
    before = what_is_left_of_ben(Client(), scripted)
    assert before["participant"] and before["kept summary"] and len(before["rows"]) == 4
    assert before["named in"] == ["report", "report.json", "readings.csv", "flags.csv"]

    erase(Client(), scripted)

    assert what_is_left_of_ben(Client(), scripted) == {
        "participant": False,
        "rows": [],
        "kept summary": False,
        "named in": [],
        "students in report.json": ["Ana"],
    }


def test_deleting_needs_this_browsers_own_token(client, student, live_session):
    """A POST from a browser that never joined (or joined another class) deletes nothing."""
    Reading.objects.create(session=live_session, participant=student, t="2026-01-01T10:00:00Z")
    response = client.post(reverse("classroom:student_data_delete", args=[live_session.pk]))
    assert response["Location"] == reverse("classroom:join")
    assert Reading.objects.filter(participant=student).count() == 1
    assert client.get(reverse("classroom:student_data_delete", args=[live_session.pk])).status_code == 405


def test_a_snapshot_still_queued_when_the_student_left_is_not_stored(student, frames):
    """The worker may hold a student's last frame while they leave and delete their data."""
    job = {
        "session_id": student.session_id,
        "participant_id": student.pk,
        "t": time.time(),
        "reply": "test.reply",
        "jpeg": frames.next(),
        "attention": {"camera": "on"},
    }
    participant_leave(participant_id=student.pk, delete_data=True)
    out = frames_process([job], frames.analyze, refreshes=RefreshSchedule())
    assert Reading.objects.count() == 0
    assert out == []


async def test_a_self_report_from_a_socket_still_open_after_leaving_is_not_stored(frames, student):
    """Left from another tab (no close message reached this socket yet): its next self-report stores nothing."""
    browser = await joined_student_socket(student)
    await database_sync_to_async(participant_leave)(participant_id=student.pk, delete_data=True)
    await browser.send_json_to({"type": "self_report", "kind": "confused", "text": "still here?"})
    assert await closed_with(browser) == 1000
    await browser.disconnect()
    assert await database_sync_to_async(recorded_about)(student) == {"readings": 0, "flags": 0, "voice": 0}
