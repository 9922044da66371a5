"""A student takes part in Hindi, in Chromium: the join page and its notice, the live page with its camera, a note
with emoji and Devanagari, leaving and deleting. Devanagari is drawn with a Devanagari font (Debian's
fonts-noto-core), names and notes keep whole characters, and the language chosen is remembered. Screenshots in
artifacts/screenshots/hi-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import LAPTOP, PHONE, screenshot
from e2e_flows import (
    LIVE_TIMEOUT_MS,
    accessibility_problems,
    course_create,
    page_fits_width,
    session_start,
    tile,
)
from playwright.sync_api import expect

# A name with an emoji (skin tone, joined by ZWJ) and a letter with a combining mark (e + U+0308), as typed.
NAME = "अनन्या Zoe\u0308 👩🏽\u200d🎓"
# Zooms the class timeline out to three days around 1 December and returns the x axis' tick labels
# (Plotly writes a day's first tick "00:00" above "Nov 29, 2026", in the page's locale).
AXIS_OVER_DAYS = """async () => {
  const chart = document.getElementById("timeline-chart");
  await window.Plotly.relayout(chart, {"xaxis.range": ["2026-11-28 00:00", "2026-12-01 00:00"]});
  return [...chart.querySelectorAll(".xtick text")].map((t) => t.textContent);
}"""
NOTE = "नमस्ते 👩🏽\u200d🎓 धीरे बोलिए"


@pytest.fixture
def hindi_student(browser: Any, console: Any) -> Iterator[Any]:
    """A student's browser that asks for Hindi (Accept-Language hi-IN), with a camera."""
    context = browser.new_context(viewport=LAPTOP, permissions=["camera"], locale="hi-IN")
    yield console.watch(context.new_page(), "student")
    context.close()


def fonts_drawing(page: Any, selector: str) -> list[str]:
    """The font families Chromium really drew the element's text with (DevTools: CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [font["familyName"] for font in fonts if font["glyphCount"] > 0]


def test_a_student_takes_part_in_hindi(teacher: Any, hindi_student: Any, pulse_server: Any) -> None:
    course_create(teacher, "कक्षा 7 विज्ञान")
    session = session_start(teacher, title="पौधे और प्रकाश", frame_interval_s=1)
    student = hindi_student

    # The join page and its notice, in Hindi because the browser asks for it.
    student.goto(f"{pulse_server.url}/join/{session.code}/")
    expect(student.locator("html")).to_have_attribute("lang", "hi")
    expect(student.get_by_role("heading", name="कक्षा से जुड़ें", level=1)).to_be_visible()
    expect(student.locator("#privacy")).to_contain_text("आप अपनी सहमति कभी भी उतनी ही आसानी से वापस ले सकते हैं")
    expect(student.locator("#privacy")).to_contain_text("भारतीय डेटा संरक्षण बोर्ड")
    assert any("Devanagari" in family for family in fonts_drawing(student, "#join-title")), "no Devanagari font"
    student.get_by_label("आपका नाम (जैसा शिक्षक को दिखेगा)").fill(NAME)
    student.get_by_label("जुड़ते ही मेरा कैमरा चालू करें").check()
    student.get_by_label("मैंने पढ़ लिया है").check()
    assert accessibility_problems(student) == []
    screenshot(student, "hi-join")
    student.get_by_role("button", name="कक्षा से जुड़ें").click()

    # The live page: its script's words come from the catalogue, its hints from the server's word lists.
    expect(student.locator("#connection-text")).to_have_text("जुड़ गए")
    expect(student.locator("#share-state")).to_have_text("भेज रहा है")
    expect(student.locator(".page-head strong")).to_have_text(NAME)  # whole, as typed
    expect(student.locator("#quality")).to_have_text("आपका चेहरा साफ़ दिख रहा है।", timeout=LIVE_TIMEOUT_MS)
    expect(tile(teacher, NAME)).to_have_class("tile tile--live", timeout=LIVE_TIMEOUT_MS)

    # A note longer than the server keeps is cut before the emoji, never inside it.
    note = student.locator("#voice-text")
    note.fill("a" * 279 + "👍🏾")
    expect(note).to_have_value("a" * 279)
    expect(student.locator("#voice-text-count")).to_have_text("280 में से 279 अक्षर")
    note.fill(NOTE)
    student.get_by_role("button", name="मुझे समझ नहीं आया").click()
    expect(student.locator("#voice-status")).to_have_text("आपके शिक्षक तक पहुँच गया: “मुझे समझ नहीं आया”।")
    expect(tile(teacher, NAME).locator(".tile__report")).to_contain_text(NOTE)

    assert accessibility_problems(student) == []
    screenshot(student, "hi-student-laptop")
    student.set_viewport_size(PHONE)
    assert page_fits_width(student)
    screenshot(student, "hi-student-phone")
    student.set_viewport_size(LAPTOP)

    student.get_by_role("button", name="कैमरा रोकें").click()
    expect(student.locator("#share-state")).to_have_text("रुका हुआ")

    # Withdrawing consent is as easy as giving it: one button, and the page says so in Hindi.
    student.get_by_role("button", name="कक्षा छोड़ें और मेरा डेटा मिटाएँ").click()
    expect(student.get_by_role("heading", name="इस कक्षा से आपका डेटा मिटा दिया गया", level=1)).to_be_visible()
    screenshot(student, "hi-deleted")


def test_the_language_chosen_is_remembered(browser: Any, pulse_server: Any, console: Any) -> None:
    context = browser.new_context(viewport=LAPTOP)  # a browser that asks for English
    page = console.watch(context.new_page(), "student")
    page.goto(f"{pulse_server.url}/join/")
    expect(page.get_by_role("heading", name="Join a class", level=1)).to_be_visible()
    page.get_by_role("button", name="हिंदी").first.click()
    expect(page.get_by_role("heading", name="कक्षा से जुड़ें", level=1)).to_be_visible()
    page.goto(f"{pulse_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="शिक्षक लॉग इन", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.get_by_role("button", name="English").first.click()
    expect(page.get_by_role("heading", name="Teacher log in", level=1)).to_be_visible()
    context.close()


def test_a_student_of_a_class_of_minors_joins_with_the_guardians_code(
    teacher: Any, hindi_student: Any, pulse_server: Any, console: Any
) -> None:
    course_create(teacher, "Class 6 Maths", minors=True)
    teacher.get_by_label("Student's name").fill("Ishaan")
    teacher.get_by_label("Parent's or guardian's name").fill("Sunita Rao")
    teacher.get_by_role("radio", name="Identity and age details the school already holds").check()
    teacher.get_by_label("Language of the notice they read").select_option("hi")
    teacher.get_by_label("The parent or guardian read the notice and agreed").check()
    teacher.get_by_role("button", name="Record consent").click()
    code = teacher.locator("#minors tbody .code-text").first.inner_text().strip()
    expect(teacher.locator(".messages")).to_contain_text(f"Ishaan joins with the guardian consent code {code}")
    assert accessibility_problems(teacher) == []
    screenshot(teacher, "minors-class-page")
    expect(teacher.get_by_label("Estimate facial emotions")).to_have_count(0)  # never offered for minors
    session = session_start(teacher, title="Fractions", frame_interval_s=1, emotion=None)

    student = hindi_student
    student.goto(f"{pulse_server.url}/join/{session.code}/")
    expect(student.locator("#privacy")).to_contain_text("यह कक्षा 18 साल से कम उम्र के विद्यार्थियों के लिए है")
    student.get_by_label("आपका नाम (जैसा शिक्षक को दिखेगा)").fill("ईशान")
    student.get_by_label("मैंने पढ़ लिया है").check()
    console.allow(r"status of 400")  # the join page answers a refused join with 400
    student.get_by_role("button", name="कक्षा से जुड़ें").click()
    expect(student.locator(".error-summary")).to_contain_text("अभिभावक सहमति कोड लिखें")
    student.get_by_label("अभिभावक सहमति कोड").fill(code.lower())
    student.get_by_label("मैंने पढ़ लिया है").check()
    screenshot(student, "hi-join-minors")
    student.get_by_role("button", name="कक्षा से जुड़ें").click()
    expect(student.locator("#connection-text")).to_have_text("जुड़ गए")
    expect(tile(teacher, "ईशान")).to_be_visible(timeout=LIVE_TIMEOUT_MS)


DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def test_the_teacher_reads_the_dashboard_and_the_report_in_hindi(
    teacher: Any, hindi_student: Any, pulse_server: Any
) -> None:
    """The teacher's live dashboard and the session's report, after choosing Hindi with the page's switcher: the
    page's words, the scripts' words (connection, counts, the flag and its label), and numbers, dates and times
    in the Hindi locale. Screenshots in artifacts/screenshots/hi-dashboard.png and hi-report.png."""
    course_create(teacher, "कक्षा 8 गणित")
    session = session_start(teacher, title="भिन्न", frame_interval_s=1)
    teacher.get_by_role("button", name="हिंदी").first.click()
    expect(teacher.locator("html")).to_have_attribute("lang", "hi")
    expect(teacher.locator("#connection-text")).to_have_text("जुड़ गए")
    expect(teacher.locator("#flags-title")).to_contain_text("इन पर ध्यान दें")
    expect(teacher.get_by_role("button", name="सत्र खत्म करें")).to_be_visible()
    expect(teacher.get_by_role("textbox", name="सवाल")).to_have_value("क्या यह समझ आया?")
    assert any("Devanagari" in family for family in fonts_drawing(teacher, "#flags-title")), "no Devanagari font"

    student = hindi_student
    student.goto(f"{pulse_server.url}/join/{session.code}/")
    student.get_by_label("आपका नाम (जैसा शिक्षक को दिखेगा)").fill("अनन्या")
    student.get_by_label("जुड़ते ही मेरा कैमरा चालू करें").check()
    student.get_by_label("मैंने पढ़ लिया है").check()
    student.get_by_role("button", name="कक्षा से जुड़ें").click()
    expect(student.locator("#connection-text")).to_have_text("जुड़ गए")

    # The scripts' words: the counts under the numbers, the voice tap's flag in the strip, a pulse check.
    expect(tile(teacher, "अनन्या")).to_have_class("tile tile--live", timeout=LIVE_TIMEOUT_MS)
    expect(teacher.locator("#stat-joined")).to_have_text("कुल 1 जुड़े")
    expect(teacher.locator("#stat-present-sub")).to_have_text("1 जुड़े हुए में से")
    student.get_by_role("button", name="मुझे समझ नहीं आया").click()
    expect(teacher.locator("#flag-list")).to_contain_text("उलझन", timeout=LIVE_TIMEOUT_MS)
    expect(teacher.locator("#flag-list .attention-item__since")).to_contain_text("से")
    teacher.get_by_role("button", name="कक्षा से पूछें").click()
    expect(teacher.locator("#poll-live-state")).to_have_text("खुला · 1 जुड़े हुए में से 0 जवाब")
    assert accessibility_problems(teacher) == []
    screenshot(teacher, "hi-dashboard")
    # The chart's dates in Hindi too: over three days the axis names the months.
    month_ticks = teacher.evaluate(AXIS_OVER_DAYS)
    assert any("नव॰ 29" in t for t in month_ticks) and any("दिस॰ 1" in t for t in month_ticks), month_ticks

    teacher.get_by_role("button", name="झटपट सवाल बंद करें").click()
    expect(teacher.locator("#poll-live-state")).to_contain_text("बंद")
    teacher.locator("#end-button").click()
    expect(teacher.get_by_role("heading", name="सबके लिए यह सत्र खत्म करें?")).to_be_visible()
    teacher.locator("#end-confirm").click()
    expect(teacher.get_by_role("heading", name="यह सत्र खत्म हो गया है")).to_be_visible()
    teacher.get_by_role("link", name="रिपोर्ट खोलें").click()

    # The report: its headings and tables, the labels the filters translate, the date in the Hindi locale.
    expect(teacher.get_by_role("heading", name="भिन्न", level=1)).to_be_visible()
    expect(teacher.locator("#timeline-title")).to_have_text("समय के साथ उलझन, ध्यान और विद्यार्थियों की आवाज़")
    expect(teacher.locator("#student-table thead")).to_contain_text("मौजूद रहने का समय")
    expect(teacher.locator("#voice-counts")).to_contain_text("मुझे समझ नहीं आया")
    expect(teacher.locator("#student-table .flag__kind").first).to_have_text("उलझन")
    expect(teacher.get_by_role("button", name="सत्र मिटाएँ")).to_be_visible()
    report_date = teacher.locator(".facts time").first.inner_text()
    assert DEVANAGARI.search(report_date), report_date  # weekday and month written in Hindi
    text = teacher.locator("main").inner_text()
    for english in ("Average attention", "Student voice", "Time present", "Delete session", "Duration", " min"):
        assert english not in text, english
    assert any("Devanagari" in family for family in fonts_drawing(teacher, "#timeline-title")), "no Devanagari font"
    assert accessibility_problems(teacher) == []
    screenshot(teacher, "hi-report")
