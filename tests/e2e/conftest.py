"""Browser fixtures: Debian's Chromium under Playwright, a fake webcam, a real server, a logged-in teacher.

Without Chromium (or Playwright) these tests skip, unless PULSE_REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e_flows import teacher_log_in
from e2e_server import REPO, SHIPPED_MODEL, LiveServer, manage, server_env, stand_in_model_build
from e2e_webcam import face_video

from loadtest.loopback import free_port

CHROMIUM = os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "artifacts" / "screenshots"
TEACHER = {"username": "ms.rivera", "password": "e2e-Pass-4821"}
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def _need_chromium() -> None:
    missing = None
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        missing = f"Chromium is not installed at {CHROMIUM} (make browser-deps)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if missing is None:
        return
    if os.environ.get("PULSE_REQUIRE_SERVICES") == "1":
        pytest.fail(missing + " (PULSE_REQUIRE_SERVICES=1)")
    pytest.skip(missing)


# --- Console errors fail the test ----------------------------------------------------------------------------


@dataclass
class Console:
    """Collects console errors and uncaught page errors of every page it watches."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def watch(self, page: Any, name: str) -> Any:
        page.on("console", lambda message: self._console(name, message))
        page.on("pageerror", lambda error: self.errors.append(f"{name}: uncaught {error}"))
        return page

    def allow(self, pattern: str) -> None:
        """Expect errors matching pattern from here on (e.g. failed reconnects while the server is down)."""
        self.allowed.append(re.compile(pattern))

    def _console(self, name: str, message: Any) -> None:
        if message.type != "error" or any(p.search(message.text) for p in self.allowed):
            return
        self.errors.append(f"{name}: {message.text} ({message.location.get('url', '')})")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    console = getattr(item, "funcargs", {}).get("console")
    if console is not None and console.errors:
        raise AssertionError("browser console errors:\n" + "\n".join(console.errors))
    return result


@pytest.fixture
def console() -> Console:
    return Console()


# --- The browser, the webcam and the server --------------------------------------------------------------------


@pytest.fixture(scope="session")
def webcam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need_chromium()
    return face_video(tmp_path_factory.mktemp("webcam") / "student.y4m")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def chromium_launch(playwright: Any, camera: Path) -> Any:
    """Chromium whose every page gets `camera` (a Y4M file, played in a loop) as its webcam, no prompt asked."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
        ],
    )


@pytest.fixture(scope="session")
def browser(playwright: Any, webcam: Path) -> Iterator[Any]:
    browser = chromium_launch(playwright, webcam)
    yield browser
    browser.close()


@pytest.fixture
def teacher(browser: Any, pulse_server: Any, console: Console) -> Iterator[Any]:
    """A page of the e2e teacher's own browser, logged in, at 1366x768."""
    context = browser.new_context(viewport=LAPTOP)
    page = console.watch(context.new_page(), "teacher")
    teacher_log_in(page, pulse_server.url, **TEACHER)
    yield page
    context.close()


@pytest.fixture
def dark_room_browser(playwright: Any, tmp_path: Path) -> Iterator[Any]:
    """A second Chromium, whose camera films a student in a room with the lights off."""
    browser = chromium_launch(playwright, face_video(tmp_path / "dark.y4m", brightness=0.1))
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory: pytest.TempPathFactory, webcam: Path) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("server")
    env = server_env(folder / "db.sqlite3")
    # Without the trained model (another issue trains it), a stand-in keeps the emotion path under test.
    model = None if SHIPPED_MODEL.is_file() else stand_in_model_build(folder / "stand-in.tflite")
    manage(env, "migrate", "--noinput")
    manage(env, "createteacher", TEACHER["username"], "--password", TEACHER["password"])
    if model is not None:
        _, errors = model.communicate(timeout=180)
        assert model.returncode == 0, f"the stand-in emotion model could not be built:\n{errors.decode()[-3000:]}"
        env["EMOTION_MODEL_PATH"] = str(folder / "stand-in.tflite")
    server = LiveServer(env=env, port=free_port(), log_path=folder / "daphne.log")
    server.start()
    yield server
    server.stop()


# Plotly redraws a chart a moment after the window resizes: wait until each one fits its box again.
CHARTS_FIT = """() => [...document.querySelectorAll(".js-plotly-plot")].every(chart => {
  const box = chart.getBoundingClientRect();
  const parts = [...chart.querySelectorAll(".main-svg, .legend, .rangeslider-container")];
  return parts.length > 0 && parts.every(part => part.getBoundingClientRect().right <= box.right + 1);
})"""


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG in artifacts/screenshots/, taken once the page's charts fit the viewport."""
    page.wait_for_function(CHARTS_FIT)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
