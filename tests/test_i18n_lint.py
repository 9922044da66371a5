"""tools/i18n_lint.py (run by `make lint`) finds text a person reads that is not marked for translation."""

from pathlib import Path

from tools.i18n_lint import ROOT, files_checked, findings_in, main


def lint(tmp_path: Path, name: str, source: str) -> list[str]:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return [finding.text for finding in findings_in([path])]


def test_literal_text_in_a_template_is_found(tmp_path):
    found = lint(
        tmp_path,
        "page.html",
        """{% load i18n %}
<h1>Join a class</h1>
<p>{% translate "Type the code." %}</p>
<button aria-label="Close the dialog">×</button>
<input placeholder="{% translate 'Your name' %}">
<p>{% blocktranslate with name=user.name %}Hello <b>{{ name }}</b>, welcome{% endblocktranslate %}</p>
<img alt="Class photo" src="{{ url }}">
<p>{{ participant.display_name }} · {{ count }}</p>
{# a comment in English #}{% comment %}and a longer one{% endcomment %}
<script type="application/json">{"label": "Not text"}</script>
<span>Classroom Pulse</span>
""",
    )
    assert found == ["Join a class", "Close the dialog", "Class photo"]


def test_a_class_block_is_not_text(tmp_path):
    assert lint(tmp_path, "page.html", "{% block main_class %}page page--narrow{% endblock %}") == []


def test_text_in_a_script_is_found_unless_marked(tmp_path):
    found = lint(
        tmp_path,
        "page.js",
        """import { format, gettext, ngettext } from "./i18n.js";
const a = gettext("Camera off");
const b = "Camera on";
const c = { on: "Sharing", off: gettext("Not sharing") };
el.textContent = `${n} min ago`;
el.textContent = format(ngettext("%(n)s student", "%(n)s students", n), { n });
console.warn("Server error", code);
throw new Error("copy failed");
el.className = `badge badge--live ${state}`;
document.querySelectorAll("#poll-card [data-answer]");
const url = `/sessions/${id}/live/`;
const kind = "too_fast", type = "image/jpeg", name = "NotAllowedError";
// A comment that says Hello world.
/* Another comment. */
const d = "Connecting…";
const e = "नमस्ते";
const f = "Looks like words"; /* i18n: not text */
const g = a / 2 / b; const re = /Some regex here/g;
""",
    )
    assert found == ["Camera on", "Sharing", "${…} min ago", "Connecting…", "नमस्ते"]


def test_the_project_has_no_unmarked_text():
    assert findings_in(files_checked()) == []
    assert main([]) == 0


def test_every_template_and_script_is_checked():
    """No file is left out: the teacher's dashboard and the report are checked like the student's pages."""
    checked = {path.relative_to(ROOT).as_posix() for path in files_checked()}
    for path in (
        "templates/classroom/student.html",
        "static/js/student.js",
        "templates/classroom/session_live.html",
        "templates/engagement/includes/report_body.html",
        "static/js/dashboard/main.js",
        "static/js/report.js",
        "static/js/history.js",
    ):
        assert path in checked
