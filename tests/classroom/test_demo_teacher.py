"""`manage.py ensure_demo_teacher`, which `make run` calls before serving the embedded default."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = [pytest.mark.django_db]


def run(settings, *args: str) -> str:
    settings.DEBUG = True
    out = StringIO()
    call_command("ensure_demo_teacher", *args, stdout=out)
    return out.getvalue()


def test_the_first_run_creates_the_demo_teacher_and_says_where_to_log_in(settings):
    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("the demo teacher exists only on the embedded default (SQLite)")
    out = run(settings, "--port", "8123")
    assert get_user_model().objects.get(username="teacher").is_superuser
    assert "http://127.0.0.1:8123/accounts/login/" in out and "http://127.0.0.1:8123/join/" in out
    assert "Created" not in run(settings)  # only once
    assert get_user_model().objects.count() == 1


def test_no_demo_teacher_outside_the_embedded_default(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("ensure_demo_teacher", stdout=out)
    assert "no demo teacher created" in out.getvalue()
    assert not get_user_model().objects.exists()
