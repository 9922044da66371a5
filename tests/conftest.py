"""Shared fixtures. Service-backed tests skip when Redis/PostgreSQL are missing, except in CI
(PULSE_REQUIRE_SERVICES=1), where a missing service is a failure."""

import os
from pathlib import Path

import pytest

from loadtest.loopback import reachable

REQUIRE_SERVICES = os.environ.get("PULSE_REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need_service(name: str, url: str, default_port: int) -> None:
    if reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (PULSE_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture
def redis_url() -> str:
    need_service("Redis", TEST_REDIS_URL, 6379)
    import redis

    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    return TEST_REDIS_URL


@pytest.fixture(scope="session", autouse=True)
def collected_static() -> None:
    """Pages name static files through WhiteNoise's manifest (hashed names): `make test` collects them first;
    a bare `pytest` collects them here when the manifest is missing or older than a file under static/."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [path for path in (Path(settings.BASE_DIR) / "static").rglob("*") if path.is_file()]
    if not manifest.is_file() or any(path.stat().st_mtime > manifest.stat().st_mtime for path in sources):
        call_command("collectstatic", "--noinput", verbosity=0)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread for as long
    as its session fixture lives, and async tests can't start their own loop beside it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def teacher(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="ada", password="pw-ada-123")


@pytest.fixture
def other_teacher(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="grace", password="pw-grace-123")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(keras_path, tflite_path) of the default architecture at small widths; weights are random."""
    from inference.training.architecture import build_classifier
    from inference.training.keras_model import export_serving_model

    folder = tmp_path_factory.mktemp("models")
    keras_path = folder / "tiny.keras"
    build_classifier(widths=(8, 16), dropout=0.0).save(keras_path)
    return keras_path, export_serving_model(keras_path, folder / "tiny.tflite", quantize=False)


@pytest.fixture
def no_rate_slack(monkeypatch):
    """No minimum gap between a student's frames (RATE_SLACK 0), so a socket test may send them back to back."""
    from live import consumers

    monkeypatch.setattr(consumers, "RATE_SLACK", 0.0)
