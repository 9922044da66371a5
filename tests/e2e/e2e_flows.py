"""What a teacher and a student do on the pages, step by step, as Playwright calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import expect

# A student page streams for a few seconds before the first reading: wait that long, no longer.
LIVE_TIMEOUT_MS = 20_000


@dataclass
class LiveSession:
    id: int
    code: str
    dashboard_url: str


def teacher_log_in(page: Any, base_url: str, *, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My classes", level=1)).to_be_visible()


def course_create(page: Any, name: str, *, minors: bool = False) -> None:
    """From the teacher's home page: a new class (of students under 18 or not), ending on its page."""
    page.get_by_role("link", name="New class", exact=True).click()
    page.get_by_label("Class name").fill(name)
    page.get_by_role("radio", name=re.compile("^Yes:" if minors else "^No:")).check()
    page.get_by_role("button", name="Create class").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def session_start(page: Any, *, title: str, frame_interval_s: float = 1.0, emotion: bool | None = True) -> LiveSession:
    """From a class page: start a live session, ending on its dashboard with the join code shown."""
    page.get_by_label("Session title").fill(title)
    page.get_by_label("Seconds between snapshots").fill(str(frame_interval_s))
    if emotion is not None:  # None: the class page offers no choice (a class of minors)
        page.get_by_label("Estimate facial emotions").set_checked(emotion)
    page.get_by_role("button", name="Start live session").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    code = page.locator(".join-card__code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4,12}", code), code
    match = re.search(r"/sessions/(\d+)/live/", page.url)
    assert match, page.url
    expect(page.locator("#connection-text")).to_have_text("Connected")
    return LiveSession(id=int(match.group(1)), code=code, dashboard_url=page.url)


def student_join(page: Any, base_url: str, *, code: str, name: str, camera: bool = True) -> None:
    """Type the code and a name, choose the camera, consent; ends with the page connected (and sharing)."""
    page.goto(f"{base_url}/join/")
    page.get_by_label("Join code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Turn my camera on when I join").set_checked(camera)
    page.get_by_label("I have read what is collected").check()
    page.get_by_role("button", name="Join class").click()
    expect(page.locator("#connection-text")).to_have_text("Connected")
    expect(page.locator("#share-state")).to_have_text("Sharing" if camera else "Camera off")


def tile(dashboard: Any, name: str) -> Any:
    """The dashboard tile of one student, found by its name heading."""
    return dashboard.locator("#gallery > li.tile").filter(has=dashboard.get_by_role("heading", name=name, exact=True))


def accessibility_problems(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations on the page as it is now, of the given impacts, one line per rule:
    "rule (impact): help: selector, selector". axe.min.js comes from the axe-playwright-python package."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


def page_fits_width(page: Any) -> bool:
    """True when nothing makes the page scroll sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


# The focused element and whether a focus ring (outline or box-shadow) makes it stand out.
_FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
  return {text: (el.innerText || el.getAttribute("aria-label") || el.id || el.tagName).trim(), ring};
}"""


def tab_to(page: Any, target: Any, *, max_presses: int = 25) -> list[str]:
    """Press Tab until target has the focus; every element passed on the way must show a focus ring.
    Returns what was focused, in order. Fails when target is not reached within max_presses."""
    passed = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS)
        passed.append(focus["text"])
        assert focus["ring"], f"no visible focus ring on {focus['text']!r}"
        if target.evaluate("el => el === document.activeElement"):
            return passed
    raise AssertionError(f"Tab never reached {target}; it went through {passed}")
