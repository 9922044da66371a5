"""Student events go through the engine's batches, fairly between sessions (issue 14, finding 2): one class's
flood of events does not hold up another class's tiles, as it did when events were handled one by one."""

import threading
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer

from classroom.services import participant_join, session_start
from live import events
from live.engine import Engine
from live.engine import engine as live_engine
from ops.metrics import sample_total
from tests.classroom.conftest import token_for
from tests.live.conftest import fake_jpeg
from tests.live.sockets import joined_student_socket, receive_until, student_socket, teacher_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rate_slack")]

FLOOD = 600


async def test_a_flood_of_one_class_does_not_hold_up_another_classs_tiles(
    layer, analyzer, teacher, course, student, monkeypatch, settings
):
    handled = []
    self_reported = events.STUDENT_EVENTS["self.report"]
    frame_queued = threading.Event()

    def counted(message):
        # The first event holds the engine thread until the quiet frame is queued behind the rest of the flood:
        # the worst case for the frame, however fast this machine handles events.
        if not handled:
            frame_queued.wait(timeout=30)
        handled.append(message["session_id"])
        return self_reported(message)

    monkeypatch.setitem(events.STUDENT_EVENTS, "self.report", counted)
    handled_at_enqueue = []
    enqueue = live_engine().enqueue

    def frame_enqueued(job):
        handled_at_enqueue.append(len(handled))
        enqueue(job)
        frame_queued.set()

    monkeypatch.setattr(live_engine(), "enqueue", frame_enqueued)
    settings.CHANNEL_LAYERS["default"].setdefault("CONFIG", {})["capacity"] = 2 * FLOOD
    channel_layers.backends.clear()
    quiet_session = await sync_to_async(session_start)(course=course, title="Quiet", frame_interval_s=1.0)
    quiet_student = await sync_to_async(participant_join)(session=quiet_session, display_name="Noah")
    quiet_dashboard = await teacher_socket(teacher, quiet_session.pk)
    await receive_until(quiet_dashboard, "snapshot")
    flooder = await student_socket(token_for(student))  # starts the embedded worker
    await receive_until(flooder, "hello")
    quiet = await joined_student_socket(quiet_student)

    # What many flooding sockets together would hand the workers (each socket's own bucket lets a few through).
    layer_ = get_channel_layer()
    for i in range(FLOOD):
        await layer_.send(
            settings.INFERENCE_CHANNEL,
            {
                "type": "self.report",
                "session_id": student.session_id,
                "participant_id": student.pk,
                "t": time.time(),
                "reply": "flood.reply",
                "kind": "confused",
                "text": f"flood {i}",
            },
        )
    await quiet.send_to(bytes_data=fake_jpeg("happy"))
    await receive_until(quiet_dashboard, "student.update", where=lambda m: m["student"]["last_seen"] is not None)
    # The frame waited for at most the event batch under way and the next; before, for every event ahead of it.
    assert len(handled) - handled_at_enqueue[0] <= 2 * settings.ENGINE_EVENTS_PER_SESSION
    assert len(handled) < FLOOD * 0.8, len(handled)
    for communicator in (flooder, quiet, quiet_dashboard):
        await communicator.disconnect()


def test_events_are_taken_in_bounded_batches_in_turn_between_sessions(settings):
    settings.ENGINE_EVENTS_PER_SESSION = 4
    settings.ENGINE_EVENTS_BATCH = 10
    live_engine = Engine()
    for i in range(20):
        live_engine.enqueue_event({"type": "self.report", "session_id": 1, "i": i})
    for i in range(3):
        live_engine.enqueue_event({"type": "self.report", "session_id": 2, "i": i})
    live_engine.enqueue_event({"type": "flag.dismiss", "session_id": 3, "i": 0})
    first = live_engine.take_events()
    taken = [(m["session_id"], m["i"]) for m in first]
    assert taken == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2), (3, 0)]
    second = live_engine.take_events()
    assert [(m["session_id"], m["i"]) for m in second] == [(1, 4), (1, 5), (1, 6), (1, 7)]
    live_engine.shutdown()


def test_a_session_queue_past_its_bound_drops_and_counts(settings):
    settings.ENGINE_EVENTS_QUEUED_PER_SESSION = 5
    lost = sample_total("pulse_messages_lost_total", type="self.report")
    live_engine = Engine()
    for i in range(8):
        live_engine.enqueue_event({"type": "self.report", "session_id": 1, "i": i})
    assert sum(len(batch) for batch in iter(live_engine.take_events, [])) == 5
    assert sample_total("pulse_messages_lost_total", type="self.report") == lost + 3
    live_engine.shutdown()
