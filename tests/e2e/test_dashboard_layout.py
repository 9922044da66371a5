"""The dashboard with a class of 30, in Chromium at 1366x768 and at phone size (issue 17): most of the class on the
first screen with readable names, the needs-attention strip without scrolling, tiles in order of need, and
thumbnails only for the tiles on screen. Also measures what the dashboard's socket carries with thumbnails off and
on (artifacts/dashboard-bandwidth.json, the figures in docs/benchmarks.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import LAPTOP, PHONE, SCREENSHOTS, TEACHER, screenshot
from e2e_class import Pupil, SimulatedPupils
from e2e_flows import accessibility_problems, course_create, page_fits_width, tab_to, teacher_log_in
from playwright.sync_api import expect

FRAME_INTERVAL_S = 2
NAMES = [
    "Priya Raghunathan-Venkataraman",
    "Aarav Sharma",
    "🧑🏽‍🎓 Ana Souza",
    "نور الهدى",
    "Zoë Müller",
    "Wolfeschlegelsteinhausenbergerdorff",
    "Chen Wei",
    "Oluwaseun Adeyemi",
    "María José García",
    "Lukas Novak",
    "Sakura Tanaka",
    "Ivan Petrov",
    "Fatima Zahra El Amrani",
    "Noah Williams",
    "अनन्या कुमारी",
    "Mateo Rossi",
    "Emma Johansson",
    "Kwame Mensah",
    "Léa Dubois",
    "Omar Haddad",
    "Sofia Papadopoulou",
    "Liam O'Connor",
    "Hana Kim",
    "Arjun Reddy",
    "Isabella Costa",
    "Mohammed Al-Farsi",
    "Ewa Kowalska",
    "Diego Hernández",
    "Yuki Sato",
    "Amara Okafor",
]
# Who does what: five need a look (four out of the picture, one with the class tab hidden: absent flags after 20
# and 30 s at high sensitivity), two sit in the dark, three are gone, the other twenty stream their faces.
BEHAVIOUR = {
    0: "no_face",
    4: "no_face",
    9: "no_face",
    17: "no_face",
    23: "tab_hidden",
    12: "dark",
    27: "dark",
    2: "gone",
    14: "gone",
    20: "gone",
}
PUPILS = [Pupil(name, BEHAVIOUR.get(i, "stream")) for i, name in enumerate(NAMES)]
FLAGGED = {p.name for p in PUPILS if p.behaviour in ("no_face", "tab_hidden")}
DARK = {p.name for p in PUPILS if p.behaviour == "dark"}
GONE = {p.name for p in PUPILS if p.behaviour == "gone"}

# Every tile: its name, the group it is shown in, whether it lies wholly within the window, its picture.
TILES = """() => [...document.querySelectorAll("#gallery > li.tile")].map(el => {
  const box = el.getBoundingClientRect();
  const img = el.querySelector(".tile__snapshot");
  const name = el.querySelector(".tile__name");
  return {
    name: name.textContent, title: el.title, group: Number(el.dataset.group), status: el.className,
    state: el.querySelector(".tile__state-label").textContent,
    onScreen: box.top >= 0 && box.bottom <= innerHeight && box.left >= 0 && box.right <= innerWidth,
    inView: box.bottom > -100 && box.top < innerHeight + 100,
    thumb: !img.hidden && !!img.getAttribute("src"),
    nameCut: name.scrollHeight > name.clientHeight + 1 || name.scrollWidth > name.clientWidth + 1,
  };
})"""
STRIP_BOX = """() => { const b = document.getElementById("attention-strip").getBoundingClientRect();
  return {top: b.top, bottom: b.bottom, height: innerHeight}; }"""


@pytest.fixture
def class_of_30(browser: Any, pulse_server: Any, console: Any) -> Iterator[tuple[Any, str, SimulatedPupils]]:
    context = browser.new_context(viewport=LAPTOP)
    teacher = console.watch(context.new_page(), "teacher")
    teacher_log_in(teacher, pulse_server.url, **TEACHER)
    course_create(teacher, "Class of thirty")
    teacher.get_by_label("Session title").fill("Thirty students")
    teacher.get_by_label("Seconds between snapshots").fill(str(FRAME_INTERVAL_S))
    teacher.get_by_label("Show students' latest snapshots on my dashboard").check()
    teacher.get_by_label("Flag sensitivity").select_option("high")  # an absent flag after 20 s
    teacher.get_by_role("button", name="Start live session").click()
    expect(teacher.locator("#connection-text")).to_have_text("Connected")
    code = teacher.locator(".join-card__code").inner_text().strip()
    pupils = SimulatedPupils(pulse_server.url, code, PUPILS, interval_s=FRAME_INTERVAL_S + 0.5)
    pupils.start()
    try:
        yield teacher, teacher.url, pupils
    finally:
        pupils.stop()
        context.close()
    assert not pupils.errors, pupils.errors


def wait_for_the_class(page: Any) -> list[dict[str, Any]]:
    """Waits until all 30 are there, the five flagged are in the strip and the order has settled."""
    expect(page.locator("#gallery > li.tile")).to_have_count(30, timeout=60_000)
    expect(page.locator("#flag-list > li")).to_have_count(len(FLAGGED), timeout=90_000)
    page.wait_for_function(
        """(gone) => { const tiles = [...document.querySelectorAll("#gallery > li.tile")];
        return tiles.slice(-gone).every(el => el.classList.contains("tile--disconnected")); }""",
        arg=len(GONE),
        timeout=30_000,
    )
    return page.evaluate(TILES)


def assert_order_by_need(tiles: list[dict[str, Any]]) -> None:
    names = [t["name"] for t in tiles]
    assert set(names[: len(FLAGGED)]) == FLAGGED, names
    assert set(names[len(FLAGGED) : len(FLAGGED) + len(DARK)]) == DARK, names
    assert set(names[-len(GONE) :]) == GONE, names
    groups = [t["group"] for t in tiles]
    assert groups == sorted(groups), groups


def test_a_class_of_30_fits_the_first_screen_in_order_of_need(class_of_30: Any, browser: Any, console: Any) -> None:
    teacher, url, _ = class_of_30
    tiles = wait_for_the_class(teacher)
    assert_order_by_need(tiles)
    on_screen = [t for t in tiles if t["onScreen"]]
    assert len(on_screen) >= 24, f"{len(on_screen)} of 30 tiles on the first screen at 1366x768"
    strip = teacher.evaluate(STRIP_BOX)
    assert strip["top"] >= 0 and strip["bottom"] <= strip["height"], strip
    # Names: whole in the tile (two lines at most), and in full on hover and focus (the tile's title).
    assert all(t["title"] == t["name"] for t in tiles)
    assert [t["name"] for t in tiles if t["nameCut"]] == []
    # Labels of the absent flag by cause, from the shared vocabulary.
    states = {t["name"]: t["state"] for t in tiles}
    assert states["Arjun Reddy"] == "Tab hidden"
    assert {states[name] for name in FLAGGED - {"Arjun Reddy"}} == {"Away"}
    # Emoji names keep whole initials (no half of a surrogate pair).
    avatar = teacher.locator("#gallery > li.tile", has_text="Ana Souza").locator(".avatar").inner_text()
    assert avatar == "🧑🏽‍🎓S", avatar
    assert accessibility_problems(teacher) == []
    screenshot(teacher, "dashboard-30-laptop")

    # The order holds: nothing moves while nobody's state changes.
    before = [t["name"] for t in teacher.evaluate(TILES)]
    teacher.wait_for_timeout(4000)
    assert [t["name"] for t in teacher.evaluate(TILES)] == before

    # The keyboard skips the 30 tiles in one step.
    teacher.locator("#thumb-rate").focus()
    skip = teacher.get_by_role("link", name="Skip past the student tiles")
    assert tab_to(teacher, skip, max_presses=1) == ["Skip past the student tiles"]
    teacher.keyboard.press("Enter")
    expect(teacher.locator("#timeline-panel")).to_be_focused()
    teacher.keyboard.press("Tab")
    assert teacher.evaluate("() => !document.activeElement.closest('#gallery')"), "Tab went back into the tiles"

    # A phone: the strip on the first screen, the same order, no sideways scrolling.
    phone = console.watch(
        browser.new_context(viewport=PHONE, storage_state=teacher.context.storage_state()).new_page(), "phone"
    )
    phone.goto(url)
    phone_tiles = wait_for_the_class(phone)
    assert_order_by_need(phone_tiles)
    strip = phone.evaluate(STRIP_BOX)
    assert strip["top"] >= 0 and strip["bottom"] <= strip["height"], strip
    phone_on_screen = sum(t["onScreen"] for t in phone_tiles)
    assert phone_on_screen >= 24, f"{phone_on_screen} of 30 tiles on the first screen at 390x844"
    assert page_fits_width(phone)
    assert accessibility_problems(phone) == []
    screenshot(phone, "dashboard-30-phone")
    phone.context.close()


def test_thumbnails_come_only_for_tiles_on_screen_at_the_chosen_rate(
    class_of_30: Any, browser: Any, console: Any
) -> None:
    teacher, url, _ = class_of_30
    wait_for_the_class(teacher)
    # A second dashboard whose socket traffic we count, from its first byte.
    page = console.watch(
        browser.new_context(viewport=LAPTOP, storage_state=teacher.context.storage_state()).new_page(), "watch"
    )
    received: list[tuple[float, int]] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: received.append(
                (time.monotonic(), len(payload if isinstance(payload, bytes) else payload.encode()))
            ),
        ),
    )
    page.goto(url)
    wait_for_the_class(page)
    streaming = len(PUPILS) - len(GONE)

    def rate(every: str, seconds: float = 20.0) -> float:
        page.get_by_label("Thumbnails").select_option(every)
        page.wait_for_timeout(3000)  # the choice reaches the server; one round of frames passes
        start = time.monotonic()
        page.wait_for_timeout(seconds * 1000)
        return sum(n for t, n in received if start <= t < start + seconds) / seconds

    off = rate("0")
    assert page.evaluate(TILES) and not any(t["thumb"] for t in page.evaluate(TILES))
    every_2s = rate("2")
    tiles = page.evaluate(TILES)
    assert sum(t["thumb"] for t in tiles) >= 15, tiles
    every_10s = rate("10")
    assert off < every_10s < every_2s, (off, every_10s, every_2s)

    # Larger tiles: most of the class is off screen, and gets no thumbnails from here on.
    page.get_by_role("button", name="Larger tiles").click()
    expect(page.get_by_role("button", name="Larger tiles")).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Thumbnails").select_option("0")
    page.wait_for_timeout(2000)
    page.get_by_label("Thumbnails").select_option("2")
    page.wait_for_timeout(8000)
    tiles = page.evaluate(TILES)
    assert any(t["thumb"] for t in tiles if t["inView"]), tiles
    assert not any(t["thumb"] for t in tiles if not t["inView"]), [
        t["name"] for t in tiles if t["thumb"] and not t["inView"]
    ]
    screenshot(page, "dashboard-30-large-tiles")

    figures = {
        "students": len(PUPILS),
        "streaming": streaming,
        "frame_interval_s": FRAME_INTERVAL_S + 0.5,
        "bytes_per_s": {
            "thumbnails_off": round(off),
            "thumbnails_every_10s": round(every_10s),
            "thumbnails_every_2s": round(every_2s),
        },
        "bytes_per_s_per_streaming_student": {
            "thumbnails_off": round(off / streaming),
            "thumbnails_every_10s": round(every_10s / streaming),
            "thumbnails_every_2s": round(every_2s / streaming),
        },
    }
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "dashboard-bandwidth.json").write_text(json.dumps(figures, indent=2))
    page.context.close()
