"""LOG_FORMAT=json: one JSON object per line with the request id and the class session's id."""

import json
import logging

import pytest
from django.test import Client

from ops.logs import ContextFilter, JsonFormatter, bind, current_request_id, new_request_id


def formatted(record: logging.LogRecord) -> dict:
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def record(message: str, *args: object, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("classroom.worker", logging.WARNING, __file__, 1, message, args, exc_info)


def test_a_json_line_carries_the_request_and_session_ids() -> None:
    current_request_id.set("req-42")
    bind(session_id=7)
    line = formatted(record("batch of %d lost", 3))
    assert line["message"] == "batch of 3 lost"
    assert line["level"] == "WARNING" and line["logger"] == "classroom.worker"
    assert line["request_id"] == "req-42" and line["session_id"] == 7
    assert line["time"].endswith("+00:00")


def test_a_json_line_carries_the_traceback() -> None:
    try:
        raise ValueError("bad frame")
    except ValueError:
        import sys

        line = formatted(record("failed", exc_info=sys.exc_info()))
    assert "ValueError: bad frame" in line["exc_info"]


@pytest.mark.parametrize(
    ("offered", "kept"), [("abc-123.X:y_z", True), ("", False), ("a b", False), ("x" * 65, False), (None, False)]
)
def test_only_a_sane_offered_request_id_is_kept(offered, kept) -> None:
    rid = new_request_id(offered)
    assert (rid == offered) is kept
    assert 1 <= len(rid) <= 64


@pytest.mark.django_db
def test_a_request_answers_with_its_id_and_logs_it_with_the_session_from_the_url(client: Client, teacher, caplog):
    client.force_login(teacher)
    handler_records: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_records.append(formatted(record))

    keep = Keep()
    logging.getLogger("django.request").addHandler(keep)
    try:
        response = client.get("/sessions/987654/live/", HTTP_X_REQUEST_ID="trace-1")
    finally:
        logging.getLogger("django.request").removeHandler(keep)
    assert response.status_code == 404
    assert response["X-Request-ID"] == "trace-1"
    assert handler_records and handler_records[-1]["request_id"] == "trace-1"
    assert handler_records[-1]["session_id"] == 987654
    assert client.get("/healthz")["X-Request-ID"] != "trace-1"
