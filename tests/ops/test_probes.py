"""/healthz, /readyz and /metrics through Django's test client, on real backends: the embedded default, a
Redis cache at a port where nothing listens, and real worker heartbeats in a real Redis."""

import asyncio
import secrets

import pytest
import redis
from django.test import Client

from loadtest.loopback import free_port
from ops import heartbeat, metrics
from ops.health import readiness


def checks(response) -> dict:
    return response.json()["checks"]


def test_healthz_answers_without_touching_the_database(client: Client) -> None:
    # No django_db mark: a database query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_answer_any_host_over_plain_http_in_production(client: Client, settings) -> None:
    settings.ALLOWED_HOSTS = ["pulse.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/metrics", HTTP_HOST="web-1:8000", REMOTE_ADDR="127.0.0.1").status_code == 200
    # Everything else still gets the host check and the HTTPS redirect.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="pulse.example.org").status_code == 301


def test_probes_take_get_and_head_only(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ready_on_the_embedded_default(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    assert {name: check["ok"] for name, check in checks(response).items()} == {
        "database": True,
        "cache": True,
        "channel_layer": True,
        "workers": True,
    }
    assert checks(response)["workers"]["detail"] == "in process"


@pytest.mark.django_db
def test_readyz_fails_when_the_cache_is_unreachable(client: Client, settings) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ReusingRedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert checks(response)["cache"] == {
        "ok": False,
        "seconds": checks(response)["cache"]["seconds"],
        "detail": "ConnectionError",
    }
    assert checks(response)["database"]["ok"] and checks(response)["channel_layer"]["ok"]


@pytest.fixture
def production_redis(redis_url: str, settings) -> str:
    """Production mode (workers out of process) on the test Redis, with a heartbeat key of this test's own."""
    settings.REDIS_URL = redis_url
    settings.INFERENCE_IN_PROCESS = False
    settings.CACHE_PREFIX = f"pulse-test-{secrets.token_hex(4)}"
    settings.READY_WORKER_MAX_AGE_S = 10
    settings.WORKER_HEARTBEAT_S = 0.05
    return redis_url


def beat_once() -> None:
    """Runs this process's real heartbeat loop until it has written one beat."""

    async def run() -> None:
        heartbeat.heartbeat_start()
        client = redis.asyncio.Redis.from_url(heartbeat.settings.REDIS_URL)
        try:
            while not await client.zscore(heartbeat.heartbeat_key(), metrics.process_identity()):  # noqa: ASYNC110
                await asyncio.sleep(0.01)  # the loop is asynchronous; the test's timeout bounds the wait
        finally:
            await client.aclose()
            heartbeat._task.cancel()

    asyncio.run(run())


@pytest.mark.django_db
def test_readyz_in_production_needs_a_recent_worker_heartbeat(client: Client, production_redis: str) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert checks(response)["workers"]["detail"] == "no inference worker heartbeat within 10 s"

    beat_once()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert checks(response)["workers"]["detail"].startswith("1 alive, newest heartbeat 0.")


@pytest.mark.django_db
def test_a_heartbeat_older_than_the_limit_does_not_count(production_redis: str) -> None:
    server = redis.Redis.from_url(production_redis)
    seconds, micros = server.time()
    server.zadd(heartbeat.heartbeat_key(), {"gone-host-1": seconds + micros / 1e6 - 60})
    assert heartbeat.recent_heartbeats(max_age_s=10) == []
    assert [beat.worker for beat in heartbeat.recent_heartbeats(max_age_s=120)] == ["gone-host-1"]
    assert {r.name: r.ok for r in readiness()}["workers"] is False


@pytest.mark.django_db
def test_readyz_in_production_without_redis_says_why(settings) -> None:
    settings.INFERENCE_IN_PROCESS = False
    settings.REDIS_URL = ""
    workers = {r.name: r for r in readiness()}["workers"]
    assert not workers.ok and "needs REDIS_URL" in workers.detail


def test_metrics_answer_allowed_addresses_and_the_token_only(client: Client, settings) -> None:
    settings.METRICS_ALLOWED_IPS = "127.0.0.1/32,10.8.0.0/16"
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.8.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_metrics_show_the_counts_in_prometheus_text(client: Client) -> None:
    before = metrics.REFUSED.labels("frame_rate")._value.get()
    metrics.refused("frame_rate")
    metrics.refused("frame_rate")
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f'pulse_refused_total{{limit="frame_rate"}} {before + 2}' in text
    for name in (
        "pulse_snapshots_received_total",
        "pulse_snapshots_analyzed_total",
        "pulse_snapshots_superseded_total",
        "pulse_snapshots_lost_total",
        "pulse_batch_size",
        "pulse_inference_seconds",
        "pulse_snapshot_latency_seconds",
        "pulse_worker_queue_snapshots",
        "pulse_open_sockets",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
