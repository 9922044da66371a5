"""`manage.py demo` after its session: the server outlives it until Ctrl-C."""

import signal
import threading

import pytest

from classroom import services
from loadtest.demo import serve_until_interrupted, session_ended_by_teacher
from loadtest.session import simulated_session


@pytest.mark.django_db
def test_the_demo_knows_the_teacher_ended_its_session_and_labels_it_plainly(django_user_model):
    django_user_model.objects.create_user(username="demo-teacher", password="x")
    session = simulated_session(
        teacher_username="demo-teacher", interval_s=2.0, course_name="Demo class", title="Demo lesson"
    )
    assert (session.course.name, session.title) == ("Demo class", "Demo lesson")
    assert not session_ended_by_teacher(session)
    services.session_end_by_id(session.pk)
    assert session_ended_by_teacher(session)


def test_the_server_is_kept_until_ctrl_c():
    handlers = {}
    done = threading.Event()

    def wait() -> None:
        serve_until_interrupted(install=lambda sig, handler: handlers.__setitem__(sig, handler))
        done.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    while signal.SIGTERM not in handlers:  # both handlers are installed before it blocks
        waiter.join(timeout=0.01)
    assert not done.is_set()  # still serving
    handlers[signal.SIGINT](signal.SIGINT, None)
    waiter.join(timeout=5)
    assert done.is_set()
