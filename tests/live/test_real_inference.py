"""The live loop with the production analyzer (real face detection and a real LiteRT model), no fakes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from engagement.models import Reading
from inference.serving.types import EMOTIONS
from inference.training.synthetic import blank_frame_jpeg, synthetic_face_jpeg
from live import consumers
from live.engine import engine, engine_shutdown
from tests.live.sockets import joined_student_socket, receive_until, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_model(settings, monkeypatch, tiny_models: tuple[Path, Path]) -> None:
    monkeypatch.setattr(consumers, "RATE_SLACK", 0.0)
    settings.EMOTION_MODEL_PATH = str(tiny_models[1])
    engine_shutdown()  # a fresh engine loads this model
    yield


async def test_a_real_face_becomes_an_emotion_reading_and_an_empty_room_does_not(layer, real_model, teacher, student):
    dashboard = await teacher_socket(teacher, student.session_id)
    await receive_until(dashboard, "snapshot")
    browser = await joined_student_socket(student)

    await browser.send_to(bytes_data=synthetic_face_jpeg(seed=3))
    update = await receive_until(
        dashboard, "student.update", timeout=20, where=lambda m: m["student"]["emotion"] is not None
    )
    assert update["student"]["emotion"] in EMOTIONS
    reading = await sync_to_async(Reading.objects.get)(participant=student)
    assert reading.face is True
    probabilities = [getattr(reading, f"p_{e}") for e in EMOTIONS]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-4)

    await browser.send_to(bytes_data=blank_frame_jpeg(seed=4))
    await receive_until(dashboard, "student.update", timeout=20, where=lambda m: m["student"]["status"] == "no_face")
    assert await sync_to_async(Reading.objects.filter(participant=student, face=False).count)() == 1
    await browser.disconnect()
    await dashboard.disconnect()


async def test_an_emotion_off_session_never_runs_the_emotion_model(layer, real_model, monkeypatch, teacher, course):
    from classroom.services import participant_join, session_start
    from inference.serving.model import LiteRTEmotionModel

    runs: list[int] = []
    original_run = LiteRTEmotionModel._run

    def counting_run(self, batch):
        runs.append(len(batch))
        return original_run(self, batch)

    monkeypatch.setattr(LiteRTEmotionModel, "_run", counting_run)
    sessions = {}
    for emotion_enabled in (False, True):
        session = await sync_to_async(session_start)(
            course=course, title=f"emotion {emotion_enabled}", emotion_enabled=emotion_enabled, frame_interval_s=1.0
        )
        participant = await sync_to_async(participant_join)(session=session, display_name="Ava")
        dashboard = await teacher_socket(teacher, session.pk)
        await receive_until(dashboard, "snapshot")
        browser = await joined_student_socket(participant)
        await browser.send_to(bytes_data=synthetic_face_jpeg(seed=8))
        await receive_until(dashboard, "student.update", timeout=20, where=lambda m: m["student"]["status"] == "live")
        sessions[emotion_enabled] = list(runs)
        await browser.disconnect()
        await dashboard.disconnect()

    assert sessions[False] == []  # a face was found in the emotion-off session, and no model ran
    assert sessions[True] != []  # the same frame in an emotion-on session did run it
    off_reading = await sync_to_async(Reading.objects.get)(session__emotion_enabled=False)
    assert off_reading.face is True and off_reading.probabilities is None


@pytest.mark.parametrize(("tta", "batch"), [(False, [1]), (True, [10])])
def test_the_worker_classifies_the_ten_tta_views_only_when_configured(
    settings, monkeypatch, tiny_models: tuple[Path, Path], tta: bool, batch: list[int]
):
    from inference.serving.model import LiteRTEmotionModel

    runs: list[int] = []
    original_run = LiteRTEmotionModel._run
    monkeypatch.setattr(
        LiteRTEmotionModel, "_run", lambda self, faces: runs.append(len(faces)) or original_run(self, faces)
    )
    settings.EMOTION_MODEL_PATH = str(tiny_models[1])
    settings.EMOTION_TTA = tta
    engine_shutdown()
    try:
        [analysis] = engine().analyze([synthetic_face_jpeg(seed=8)], True)
    finally:
        engine_shutdown()
    assert analysis.faces[0].probabilities is not None  # type: ignore[union-attr]
    assert runs == batch


@pytest.mark.parametrize(("setting", "head_pose"), [("blazeface", True), ("haar", False)])
def test_the_worker_finds_faces_with_the_configured_detector(settings, setting: str, head_pose: bool):
    settings.FACE_DETECTOR = setting
    engine_shutdown()
    try:
        [analysis] = engine().analyze([synthetic_face_jpeg(seed=9)], False)
        detector = engine()._analyzer(False).detector
    finally:
        engine_shutdown()
    assert type(detector).__name__ == {"blazeface": "BlazeFaceDetector", "haar": "HaarDetector"}[setting]
    [face] = analysis.faces  # type: ignore[union-attr]
    assert (face.pose is not None) is head_pose  # Haar gives no keypoints, so no pose and no "looking away"


def test_an_unknown_face_detector_setting_stops_the_start():
    env = {**os.environ, "FACE_DETECTOR": "yolo", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0
    assert "FACE_DETECTOR must be one of: blazeface, haar" in result.stderr
