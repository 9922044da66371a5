"""axe-core on every page a teacher or a student sees, in the states they see it in."""

from __future__ import annotations

import re
from typing import Any

from conftest import LAPTOP, TEACHER, screenshot
from e2e_flows import (
    LIVE_TIMEOUT_MS,
    accessibility_problems,
    course_create,
    session_start,
    student_join,
    teacher_log_in,
    tile,
)
from playwright.sync_api import expect

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def test_no_page_has_serious_accessibility_problems(browser: Any, pulse_server: Any, console: Any) -> None:
    problems: dict[str, list[str]] = {}

    def check(page: Any, name: str) -> None:
        screenshot(page, "a11y-" + re.sub(r"[^a-z0-9]+", "-", name))
        found = accessibility_problems(page, impacts=ALL_IMPACTS)
        if found:
            problems[name] = found

    base = pulse_server.url
    teacher_context = browser.new_context(viewport=LAPTOP)
    student_context = browser.new_context(viewport=LAPTOP, permissions=["camera"])
    try:
        teacher = console.watch(teacher_context.new_page(), "teacher")
        teacher.goto(f"{base}/accounts/login/")
        check(teacher, "login")
        teacher.get_by_role("button", name="Log in").click()  # empty form: the error summary
        check(teacher, "login with errors")
        teacher_log_in(teacher, base, **TEACHER)
        check(teacher, "home")
        course_create(teacher, "Year 7 Art")
        check(teacher, "class page")
        session = session_start(teacher, title="Colour wheels")
        teacher.get_by_role("link", name="My classes", exact=True).click()
        check(teacher, "home, a session live")
        teacher.goto(session.dashboard_url)
        expect(teacher.locator("#connection-text")).to_have_text("Connected")

        student = console.watch(student_context.new_page(), "student")
        student.goto(f"{base}/join/")
        check(student, "join")
        student.goto(f"{base}/join/{session.code}/")
        check(student, "join with code")
        student_join(student, base, code=session.code, name="Frida Kahlo")
        expect(student.locator("#quality")).not_to_be_empty(timeout=LIVE_TIMEOUT_MS)
        check(student, "student page, sharing")

        expect(tile(teacher, "Frida Kahlo")).to_have_class("tile tile--live", timeout=LIVE_TIMEOUT_MS)
        student.get_by_role("button", name="I'm confused").click()
        expect(tile(teacher, "Frida Kahlo").locator(".tile__report")).to_be_visible()
        expect(teacher.locator("#timeline-chart .main-svg").first).to_be_visible()
        check(teacher, "dashboard, live")

        teacher.get_by_role("button", name="End session").click()
        check(teacher, "dashboard, end dialog")
        teacher.get_by_role("dialog").get_by_role("button", name="End session").click()
        expect(student.get_by_role("heading", name="The class has ended")).to_be_visible()
        check(student, "student page, ended")
        student.reload()  # the page the server answers with once the class ended: it keeps "Delete my data"
        expect(student.get_by_role("button", name="Delete my data")).to_be_visible()
        check(student, "student page, ended and reloaded")
        check(teacher, "dashboard, ended")
        teacher.get_by_role("link", name="Back to Year 7 Art").click()
        check(teacher, "class page, a session ended")

        report_url = f"{base}/reports/sessions/{session.id}/"
        if teacher.request.get(report_url).status != 404:
            teacher.goto(report_url)
            expect(teacher.locator(".js-plotly-plot .main-svg").first).to_be_visible()
            check(teacher, "report")
            teacher.get_by_role("link", name="Printable report").click()
            check(teacher, "printable report")
            teacher.go_back()
            teacher.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="History").click()
            expect(teacher.locator(".js-plotly-plot .main-svg").first).to_be_visible()
            check(teacher, "class history")
    finally:
        student_context.close()
        teacher_context.close()

    serious = {page: [p for p in found if "(serious)" in p or "(critical)" in p] for page, found in problems.items()}
    serious = {page: found for page, found in serious.items() if found}
    report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in problems.items())
    assert not serious, "axe-core found serious problems:\n" + report
    print("axe-core, minor and moderate:\n" + report if report else "axe-core: no problems")
