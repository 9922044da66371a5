"""In Chromium, the pages' JavaScript modules hold exactly the word lists the server defines."""

from __future__ import annotations

import json
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
  };
}"""


def test_the_scripts_read_the_vocabulary_the_server_defines(browser: Any, pulse_server: Any, console: Any) -> None:
    context = browser.new_context()
    try:
        page = console.watch(context.new_page(), "login")
        page.goto(f"{pulse_server.url}/accounts/login/")
        assert page.evaluate(READ_MODULES) == json.loads(json.dumps(vocabulary()))
    finally:
        context.close()
