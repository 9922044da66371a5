"""A student joins and takes part with the keyboard alone, and always sees where the focus is."""

from __future__ import annotations

from typing import Any

from conftest import LAPTOP, TEACHER
from e2e_flows import LIVE_TIMEOUT_MS, course_create, session_start, tab_to, teacher_log_in, tile
from playwright.sync_api import expect


def test_a_student_joins_and_takes_part_with_the_keyboard_alone(browser: Any, pulse_server: Any, console: Any) -> None:
    teacher_context = browser.new_context(viewport=LAPTOP)
    student_context = browser.new_context(viewport=LAPTOP, permissions=["camera"])
    try:
        teacher = console.watch(teacher_context.new_page(), "teacher")
        teacher_log_in(teacher, pulse_server.url, **TEACHER)
        course_create(teacher, "Year 7 Music")
        session = session_start(teacher, title="Rhythm")

        student = console.watch(student_context.new_page(), "student")
        student.goto(f"{pulse_server.url}/join/")
        skip = student.get_by_role("link", name="Skip to main content")
        assert tab_to(student, skip, max_presses=1) == ["Skip to main content"]
        student.keyboard.press("Enter")
        expect(student.locator("main")).to_be_focused()

        tab_to(student, student.get_by_label("Join code"))
        student.keyboard.type(session.code)
        tab_to(student, student.get_by_label("Your name"), max_presses=1)
        student.keyboard.type("Clara Schumann")
        tab_to(student, student.get_by_label("I have read what is collected"))
        student.keyboard.press("Space")
        tab_to(student, student.get_by_role("button", name="Join class"), max_presses=1)
        student.keyboard.press("Enter")

        expect(student.locator("#connection-text")).to_have_text("Connected")
        tab_to(student, student.get_by_role("button", name="Start camera"))
        student.keyboard.press("Enter")
        expect(student.locator("#share-state")).to_have_text("Sharing")
        # Starting the camera hands the focus to the pause button, right where the student is.
        expect(student.get_by_role("button", name="Pause camera")).to_be_focused()
        expect(tile(teacher, "Clara Schumann")).to_have_class("tile tile--live", timeout=LIVE_TIMEOUT_MS)

        tab_to(student, student.get_by_role("button", name="Raise hand"))
        student.keyboard.press("Enter")
        expect(tile(teacher, "Clara Schumann").locator(".tile__report")).to_contain_text("Raise hand")

        student.get_by_role("button", name="Pause camera").focus()
        student.keyboard.press("Space")
        expect(student.locator("#share-state")).to_have_text("Paused")
        expect(tile(teacher, "Clara Schumann").locator(".tile__state-label")).to_have_text("Camera paused")
    finally:
        student_context.close()
        teacher_context.close()
