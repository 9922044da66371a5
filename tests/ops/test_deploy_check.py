"""`manage.py check --deploy --fail-level WARNING` in production mode passes (CI runs it: `make check-deploy`),
and fails when the HTTPS redirect is switched off or the metrics of several processes would not add up."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def deploy_check(**overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="pulse.example.org",
        DATABASE_URL="postgres://pulse@db.invalid/pulse",
        REDIS_URL="redis://redis.invalid:6379/0",
        PROMETHEUS_MULTIPROC_DIR=overrides.pop("PROMETHEUS_MULTIPROC_DIR", ""),
        **overrides,
    )
    if not env["PROMETHEUS_MULTIPROC_DIR"]:
        del env["PROMETHEUS_MULTIPROC_DIR"]
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    done = deploy_check(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "no issues (1 silenced)" in done.stdout  # security.W021, with the reason in settings


def test_the_deploy_check_fails_without_the_https_redirect_or_the_shared_metrics_directory(tmp_path):
    done = deploy_check(PROMETHEUS_MULTIPROC_DIR=str(tmp_path), SECURE_SSL_REDIRECT="false")
    assert done.returncode == 1 and "security.W008" in done.stderr
    done = deploy_check()
    assert done.returncode == 1 and "ops.W001" in done.stderr and "PROMETHEUS_MULTIPROC_DIR" in done.stderr
