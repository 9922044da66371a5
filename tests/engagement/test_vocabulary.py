"""Every vocabulary is defined once, on the server, and the pages' JavaScript reads it from there.

engagement/vocabulary.py gathers the word lists; base.html hands them to every page as JSON; static/js/
vocabulary.js reads that. These tests hold the JavaScript and the templates to it: no copied list, no copied
wording, and every JS map keyed by a server vocabulary covers exactly that vocabulary. tests/e2e/
test_vocabulary.py checks in Chromium that the modules export what the page was given.
"""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from classroom.models import ClassSession
from classroom.vocabulary import SENSITIVITY_LABELS
from engagement.core import CAMERA_STATES, FLAG_LABELS, QUALITY_HINTS, REPORT_LABELS
from engagement.core.explain import MESSAGES
from engagement.models import EMOTION_FIELDS, Flag, SelfReport
from engagement.vocabulary import vocabulary
from inference import EMOTIONS
from live import protocol

ROOT = Path(__file__).resolve().parents[2]
JS = {
    path.relative_to(ROOT).as_posix(): re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M)  # without comments
    for path in (ROOT / "static" / "js").rglob("*.js")
}
TEMPLATES = {path.relative_to(ROOT).as_posix(): path.read_text() for path in (ROOT / "templates").rglob("*.html")}
VOCABULARY_JSON = re.compile(r'<script id="pulse-vocabulary" type="application/json">(.*?)</script>', re.S)


def js_object_keys(source: str, name: str) -> set[str]:
    """The top-level keys of `const NAME = { key: ..., ... };` in a JS source."""
    found = re.search(r"const " + re.escape(name) + r" = \{(.*?)\n?\};", source, re.S)
    assert found, f"no object {name}"
    depth, top_level = 0, []
    for part in re.split(r"([{}])", found[1]):
        if part in "{}" and part:
            depth += 1 if part == "{" else -1
        elif depth == 0:
            top_level.append(part)
    return set(re.findall(r"(?:^|[,\s])([a-z_]+):", " ".join(top_level)))


@pytest.mark.django_db
def test_every_page_is_handed_the_servers_vocabulary(client):
    page = client.get(reverse("login")).content.decode()
    [handed] = VOCABULARY_JSON.findall(page)
    assert json.loads(handed) == json.loads(json.dumps(vocabulary()))


def test_the_vocabulary_is_the_one_definition_of_each_list():
    words = vocabulary()
    assert words["emotions"] == list(EMOTIONS)  # the model's order
    assert list(EMOTION_FIELDS) == [f"p_{emotion}" for emotion in EMOTIONS]
    assert words["report_labels"] == REPORT_LABELS == dict(SelfReport._meta.get_field("kind").choices)
    assert words["flag_labels"] == FLAG_LABELS == dict(Flag._meta.get_field("kind").choices)
    assert words["sensitivity_labels"] == SENSITIVITY_LABELS
    assert dict(ClassSession._meta.get_field("sensitivity").choices) == SENSITIVITY_LABELS
    assert words["camera_states"] == list(CAMERA_STATES) == list(protocol.CAMERA_STATES)
    assert words["quality_hints"] == QUALITY_HINTS
    assert set(words["flag_cause_labels"]) <= {"no_face", "tab_hidden"}  # absent's causes
    assert words["explanation_messages"].keys() == MESSAGES.keys()


@pytest.mark.parametrize("name", ["emotions", "report_kinds", "flag_kinds", "sensitivities", "poll_answers"])
def test_no_script_or_template_spells_out_a_server_list(name):
    first, second = vocabulary()[name][:2]
    pair = re.compile(rf"""["']{first}["']\s*,\s*["']{second}["']""")
    copies = [path for path, source in {**JS, **TEMPLATES}.items() if pair.search(source)]
    assert copies == []


def test_no_script_or_template_repeats_the_servers_wording():
    words = vocabulary()
    labels = [
        *words["report_labels"].values(),
        *words["sensitivity_labels"].values(),
        *words["quality_hints"].values(),
        "Not yet",
    ]
    copies = {
        (path, label)
        for path, source in {**JS, **TEMPLATES}.items()
        for label in labels
        if len(label) > 8 and (f'"{label}"' in source or f">{label}<" in source)
    }
    assert copies == set()


def test_every_script_map_keyed_by_a_server_list_covers_exactly_that_list():
    words = vocabulary()
    labels, student = JS["static/js/labels.js"], JS["static/js/student.js"]
    assert js_object_keys(JS["static/js/emotions.js"], "EMOTION_COLORS") == set(words["emotions"])
    assert js_object_keys(labels, "VOICE_REPORTED") == set(words["report_kinds"])
    assert js_object_keys(labels, "QUALITY_LABELS") <= set(words["quality_hints"])
    assert js_object_keys(student, "labels") == set(words["camera_states"])
    # The timeline (live and in the report) marks every tap kind, and the report's curve every flag kind.
    assert js_object_keys(JS["static/js/dashboard/timeline.js"], "VOICE_MARKERS") == set(words["report_kinds"])
    assert js_object_keys(JS["static/js/report.js"], "FLAG_MARKERS") == set(words["flag_kinds"])
    phrased = set(re.findall(r'case "([a-z_]+)":', labels))
    assert phrased == set(words["report_kinds"])


def test_the_scripts_take_their_lists_from_the_vocabulary_module():
    assert 'from "./vocabulary.js"' in JS["static/js/emotions.js"]
    assert 'from "./vocabulary.js"' in JS["static/js/labels.js"]
    assert "QUALITY_HINTS" in JS["static/js/student.js"]
