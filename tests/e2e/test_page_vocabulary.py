"""In Chromium, the pages' JavaScript modules hold exactly the word lists the server defines."""

from __future__ import annotations

import json
import re
from typing import Any

from engagement.vocabulary import vocabulary

READ_MODULES = """async () => {
  const words = await import("/static/js/vocabulary.js");
  const emotions = await import("/static/js/emotions.js");
  const labels = await import("/static/js/labels.js");
  return {
    emotions: emotions.EMOTIONS, emotion_labels: emotions.EMOTION_LABELS,
    report_kinds: labels.VOICE_KINDS, report_labels: labels.VOICE_LABELS,
    flag_kinds: words.FLAG_KINDS, flag_labels: labels.FLAG_LABELS, flag_cause_labels: words.FLAG_CAUSE_LABELS,
    sensitivities: words.SENSITIVITIES, sensitivity_labels: words.SENSITIVITY_LABELS,
    poll_answers: words.POLL_ANSWERS, poll_answer_labels: labels.POLL_OPTION_LABELS,
    camera_states: words.CAMERA_STATES, quality_hints: words.QUALITY_HINTS,
    explanation_messages: words.EXPLANATION_MESSAGES,
  };
}"""


EXPLAIN = """async (message) => (await import("/static/js/explanations.js")).messageText(message)"""


def test_the_scripts_read_the_vocabulary_the_server_defines(browser: Any, pulse_server: Any, console: Any) -> None:
    context = browser.new_context()
    try:
        page = console.watch(context.new_page(), "login")
        page.goto(f"{pulse_server.url}/accounts/login/")
        assert page.evaluate(READ_MODULES) == json.loads(json.dumps(vocabulary()))
    finally:
        context.close()


def test_the_page_renders_a_flags_explanation_in_the_readers_clock(
    browser: Any, pulse_server: Any, console: Any
) -> None:
    context = browser.new_context(timezone_id="Asia/Kolkata")
    try:
        page = console.watch(context.new_page(), "login")
        page.goto(f"{pulse_server.url}/accounts/login/")
        since = 1_767_603_600 + 42 * 60  # 09:42 UTC, 15:12 in India
        text = page.evaluate(EXPLAIN, {"id": "absent.tab_hidden", "params": {"since_at": since}})
        assert re.fullmatch(
            r"The class tab has been hidden since (15|0?3):12( PM)?: the lesson is not on screen\.", text
        ), text
        cleared = page.evaluate(
            EXPLAIN, {"id": "bored.cant_tell", "params": {"lasted_s": 130, "reason_msg": "reason.too_dark"}}
        )
        assert cleared == "Cleared after 2 min 10 s: the picture is too dark to tell.", cleared
    finally:
        context.close()


def test_the_page_and_the_report_write_a_flags_durations_alike(browser: Any, pulse_server: Any, console: Any) -> None:
    """The dashboard (JavaScript) and the report (Python) write the same explanation for the same flag."""
    from django.utils import translation

    from engagement.explanations import message_text

    messages = [
        {"id": "bored.cant_tell", "params": {"lasted_s": seconds, "reason_msg": "reason.too_dark"}}
        for seconds in (0, 40.4, 89, 90, 120, 130, 3599, 3725)
    ]
    context = browser.new_context()
    try:
        page = console.watch(context.new_page(), "login")
        page.goto(f"{pulse_server.url}/accounts/login/")
        on_the_page = [page.evaluate(EXPLAIN, message) for message in messages]
    finally:
        context.close()
    with translation.override("en"):
        in_the_report = [message_text(message) for message in messages]  # type: ignore[arg-type]
    assert on_the_page == in_the_report
    assert in_the_report[1] == "Cleared after 40 s: the picture is too dark to tell."
