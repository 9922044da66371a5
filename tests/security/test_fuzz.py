"""Random text and bytes at the live sockets: every answer is a documented error or close code, nothing
crashes, no reading comes from garbage, and a student of another session carries on.

The worker runs for real with OpenCV's decoder and face detector (emotion off), so garbage that merely
starts like a JPEG must be refused by the real decode path, not by a fake.
"""

import json
import random
import re
from pathlib import Path
from typing import Any

import channels.layers
import cv2
import numpy as np
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classroom.models import ClassSession, Participant
from classroom.services import participant_join, session_start
from engagement.models import Reading
from inference import FaceAnalyzer
from live import consumers, protocol
from live.engine import engine
from tests.live.sockets import joined_student_socket, receive_until, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MAX_FRAME_BYTES = 4096  # small, so random bytes reach the size limit too
PROTOCOL_DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def documented_error_codes() -> set[str]:
    text = PROTOCOL_DOC.read_text(encoding="utf-8")
    paragraph = text[text.index("Error codes:") :].split("\n\n")[0]  # the whole paragraph, over its lines
    return set(re.findall(r"`([a-z_]+)`", paragraph))


ERROR_CODES = documented_error_codes()
CLOSE_CODES = {
    1000,
    consumers.CLOSE_UNAUTHORIZED,
    consumers.CLOSE_FORBIDDEN,
    consumers.CLOSE_NOT_LIVE,
    consumers.CLOSE_TOO_MANY_SOCKETS,
    consumers.CLOSE_TRY_AGAIN,
    consumers.CLOSE_FLOODING,
}

# --- what is thrown

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["on", "paused", "off", "yes", "not_yet", "confused", "low", "high", "\x00", "\ud800"])
    | st.sampled_from([10**400, -(10**400), 2**63, 2**64 + 1, 1e308, -0.0])
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
STUDENT_TYPES = [*consumers.StudentConsumer.commands, "frame", "hello", ""]
TEACHER_TYPES = [*(t for t in consumers.TeacherConsumer.commands if t != "session.end"), "snapshot", ""]
STUDENT_FIELDS = ["kind", "text", "camera", "visible", "focused", "idle_s", "poll_id", "answer", "delete_my_data"]
TEACHER_FIELDS = ["question", "poll_id", "flag_id", "sensitivity"]


def shaped(types: list[str], fields: list[str]) -> st.SearchStrategy[str]:
    """A JSON object with a plausible type and random values in the fields the protocol reads."""
    return st.builds(
        lambda kind, extra: json.dumps({"type": kind, **extra}),
        st.sampled_from(types) | st.text(max_size=12),
        st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields)),
    )


def text_messages(types: list[str], fields: list[str]) -> st.SearchStrategy[str]:
    return (
        shaped(types, fields)
        | json_values.map(json.dumps)
        | st.text(max_size=200)
        | st.just("[" * 3000)
        | st.just("x" * 5000)
    )


frames = (
    st.binary(max_size=MAX_FRAME_BYTES + 200)
    | st.binary(max_size=MAX_FRAME_BYTES).map(lambda tail: consumers.JPEG_MAGIC + tail)
    | st.binary(min_size=1, max_size=600).map(lambda tail: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + tail)
)
student_inputs = st.lists(
    st.tuples(st.just("text"), text_messages(STUDENT_TYPES, STUDENT_FIELDS)) | st.tuples(st.just("bytes"), frames),
    min_size=1,
    max_size=6,
)
teacher_inputs = st.lists(
    st.tuples(st.just("text"), text_messages(TEACHER_TYPES, TEACHER_FIELDS))
    | st.tuples(st.just("bytes"), st.binary(max_size=64)),
    min_size=1,
    max_size=6,
)

# --- the world


def real_jpeg() -> bytes:
    """A small, sharp, well-lit picture of no face (noise, 3.4 KB): the real analyzer finds no face in it."""
    ok, buffer = cv2.imencode(".jpg", np.random.default_rng(0).integers(0, 256, (48, 64), dtype=np.uint8))
    assert ok
    return buffer.tobytes()


def presence_only(jpegs: list[bytes], emotion_enabled: bool) -> list:
    return FaceAnalyzer(model=None).analyze_many(jpegs)


@pytest.fixture
def world(monkeypatch, settings, course):
    """A fuzzed session A and a control student in session B, with the real decoder in the worker."""
    monkeypatch.setattr(consumers, "RATE_SLACK", 0.0)
    monkeypatch.setattr(engine(), "analyze", presence_only)
    # Hypothesis reseeds the global `random` for every example, and the in-memory layer draws channel
    # names from it: without this, a new socket of one example gets the worker's name from the last.
    monkeypatch.setattr(channels.layers, "random", random.SystemRandom())
    settings.MAX_FRAME_BYTES = MAX_FRAME_BYTES
    control_session = session_start(course=course, title="Control", frame_interval_s=1.0, emotion_enabled=False)
    control = participant_join(session=control_session, display_name="Control")
    return {"course": course, "control": control}


def new_student(course) -> tuple[ClassSession, Participant]:
    session = session_start(course=course, title="Fuzzed", frame_interval_s=1.0, emotion_enabled=False)
    return session, participant_join(session=session, display_name="Fuzz")


async def send_all(communicator: WebsocketCommunicator, inputs: list[tuple[str, Any]]) -> None:
    for kind, payload in inputs:  # send_input, not send_to: an empty message is a message too
        await communicator.send_input({"type": "websocket.receive", kind: payload})


async def answers_until_settled(communicator: WebsocketCommunicator) -> tuple[list[dict], int | None]:
    """Sends a probe that must be answered last; returns every JSON answer and the close code, if it closed.

    The consumer handles messages in order, so the probe's answer means everything before it was handled.
    A consumer that raised re-raises here (WebsocketCommunicator surfaces the application's exception).
    """
    await communicator.send_to(text_data='{"type": "probe.settled"}')
    answers = []
    while True:
        output = await communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return answers, output.get("code", 1000)
        message = json.loads(output["text"])
        if (
            message.get("type") == "error"
            and message["code"] == "unknown_type"
            and "probe.settled" in message["message"]
        ):
            return answers, None
        answers.append(message)


def assert_documented(answers: list[dict], close_code: int | None) -> None:
    for message in answers:
        assert isinstance(message.get("type"), str)
        if message["type"] == "error":
            assert message["code"] in ERROR_CODES, message
    assert close_code is None or close_code in CLOSE_CODES


async def assert_control_student_carries_on(control: Participant) -> None:
    """The other session's student still gets their snapshot analyzed (this also waits for the worker:
    it handles batches in order, so the fuzzed frames sent before were done with)."""
    browser = await joined_student_socket(control)
    await browser.send_to(bytes_data=real_jpeg())
    quality = await receive_until(browser, "quality")
    assert quality["state"] == "no_face"
    await browser.disconnect()


def readings_from_frames(participant: Participant) -> list[Reading]:
    """Readings that came from a snapshot (an attention heartbeat while paused is a legitimate reading)."""
    return list(Reading.objects.filter(participant=participant).exclude(camera__in=["paused", "off"]))


@pytest.mark.slow
@FUZZ
@given(inputs=student_inputs)
async def test_random_student_messages_get_documented_answers_and_store_nothing(world, inputs):
    _, fuzzed = await sync_to_async(new_student)(world["course"])
    browser = await joined_student_socket(fuzzed)
    await send_all(browser, inputs)
    answers, close_code = await answers_until_settled(browser)
    assert_documented(answers, close_code)
    await assert_control_student_carries_on(world["control"])
    assert await sync_to_async(readings_from_frames)(fuzzed) == []
    assert await sync_to_async(Reading.objects.filter(participant=world["control"]).count)() >= 1
    await browser.disconnect()


@pytest.mark.slow
@FUZZ
@given(inputs=teacher_inputs)
async def test_random_teacher_messages_get_documented_answers(world, teacher, inputs):
    session, _ = await sync_to_async(new_student)(world["course"])
    dashboard = await teacher_socket(teacher, session.pk)
    await receive_until(dashboard, "snapshot")
    await send_all(dashboard, inputs)
    answers, close_code = await answers_until_settled(dashboard)
    assert_documented(answers, close_code)
    assert close_code is None  # nothing a teacher sends (short of session.end) closes their dashboard
    await assert_control_student_carries_on(world["control"])
    control_session = await sync_to_async(ClassSession.objects.get)(pk=world["control"].session_id)
    assert control_session.is_live
    await dashboard.disconnect()


# --- the validators themselves, with many more examples (pure functions: fast)

VALIDATORS = [
    protocol.attention_signals,
    protocol.self_report,
    protocol.poll_answer,
    protocol.poll_question,
    protocol.sensitivity,
    lambda message: protocol.positive_int(message, "poll_id"),
]
validator_input = st.dictionaries(st.sampled_from([*STUDENT_FIELDS, *TEACHER_FIELDS, "type"]), json_values, max_size=6)


def storable(value: Any) -> bool:
    """What a validator hands on can be written anywhere: UTF-8 encodable, no NUL (PostgreSQL refuses it)."""
    text = json.dumps(value, ensure_ascii=False)
    text.encode("utf-8")
    return "\x00" not in text


@settings(max_examples=400, deadline=None)
@given(message=validator_input, which=st.integers(min_value=0, max_value=len(VALIDATORS) - 1))
def test_a_validator_returns_clean_values_or_raises_a_protocol_error(message, which):
    try:
        result = VALIDATORS[which](message)
    except protocol.ProtocolError as exc:
        assert exc.code in ERROR_CODES
        return
    assert storable(result)


@pytest.mark.parametrize("idle", [10**400, 1e308, 2**64])
def test_a_huge_idle_time_is_capped_not_a_crash(idle):
    assert protocol.attention_signals({"idle_s": idle})["idle_s"] == 86_400.0


def test_report_text_loses_control_characters_and_lone_surrogates():
    assert protocol.self_report({"kind": "confused", "text": "a\x00b\ud800c\tq"}) == ("confused", "a b c q")
