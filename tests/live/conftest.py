"""Fixtures for the live path: a fake analyzer, a fresh engine per test, both channel layers."""

import hashlib
from collections.abc import Iterator

import pytest
from channels.layers import channel_layers
from django.core.cache import caches

from inference import EMOTIONS, FaceQuality, FaceReading, FrameAnalysis, InferenceError
from live.engine import engine, engine_shutdown
from tests.classroom.conftest import course, live_session, student  # noqa: F401


def fake_jpeg(label: str = "happy") -> bytes:
    """Bytes that pass the socket's JPEG check and tell the fake analyzer what to 'see'."""
    return b"\xff\xd8\xff" + label.encode()


def fake_analysis(jpeg: bytes, emotion_enabled: bool) -> FrameAnalysis | InferenceError:
    label = jpeg[3:].decode(errors="replace")
    if label == "corrupt":
        return InferenceError("not a decodable image")
    if label == "noface":
        return FrameAnalysis(width=320, height=240, brightness=120.0, blur=300.0, faces=[])
    if label == "dark":
        return FrameAnalysis(width=320, height=240, brightness=8.0, blur=5.0, faces=[])
    probabilities = None
    if emotion_enabled:
        probabilities = {e: (0.7 if e == label else 0.3 / (len(EMOTIONS) - 1)) for e in EMOTIONS}
    face = FaceReading(
        box=(100, 60, 110, 110),
        detection_score=None,
        probabilities=probabilities,
        quality=FaceQuality(face_px=110, brightness=120.0, blur=300.0),
    )
    return FrameAnalysis(width=320, height=240, brightness=120.0, blur=300.0, faces=[face])


class FakeAnalyzer:
    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    def __call__(self, jpegs: list[bytes], emotion_enabled: bool) -> list:
        self.calls.append((len(jpegs), emotion_enabled))
        return [fake_analysis(jpeg, emotion_enabled) for jpeg in jpegs]


@pytest.fixture
def analyzer() -> FakeAnalyzer:
    """The engine of this test analyzes with a fake: what it 'sees' is written in the bytes (fake_jpeg)."""
    fake = FakeAnalyzer()
    engine().analyze = fake  # type: ignore[method-assign]
    return fake


@pytest.fixture(autouse=True)
def fresh_engine() -> Iterator[None]:
    """Each test has its own event loop: the per-process engine must not outlive it (nor a batch still on its
    thread the test's database)."""
    engine_shutdown()
    caches["default"].clear()
    yield
    engine_shutdown()


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings) -> str:
    """Runs a test on the in-memory channel layer and on a real Redis (layer and shared cache)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = "pulse-test-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": prefix},
            }
        }
        settings.CACHES = {
            "default": {"BACKEND": "config.cache.ReusingRedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
        }
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()
