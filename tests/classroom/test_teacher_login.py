"""Teacher log-in is throttled per username and per address; createteacher refuses weak passwords."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed log-ins"


def log_in(client: Client, username: str, password: str) -> bool:
    """True when the teacher is logged in afterwards."""
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_after_too_many_wrong_passwords_even_the_right_one_waits(teacher, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    browser = Client(REMOTE_ADDR="203.0.113.9")
    assert not any(log_in(browser, "ada", f"guess-{i}") for i in range(5))
    response = browser.post(reverse("login"), {"username": "ada", "password": "pw-ada-123"})
    assert TOO_MANY in response.content.decode() and "_auth_user_id" not in browser.session
    # From another address too: the limit is the username's.
    assert not log_in(Client(REMOTE_ADDR="198.51.100.4"), "ada", "pw-ada-123")
    # Other teachers are not locked out.
    get_user_model().objects.create_user(username="grace", password="pw-grace-123")
    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "grace", "pw-grace-123")


def test_the_lock_ends_with_its_window(teacher, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    with time_machine.travel("2026-03-02 08:00:00Z", tick=False) as clock:
        assert not any(log_in(Client(), "ada", "wrong") for _ in range(3))
        assert not log_in(Client(), "ada", "pw-ada-123")
        clock.shift(timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S + 1))
        assert log_in(Client(), "ada", "pw-ada-123")


def test_one_address_is_throttled_generously(teacher, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 1000
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    staffroom = "203.0.113.20"
    assert not any(log_in(Client(REMOTE_ADDR=staffroom), f"teacher{i}", "wrong") for i in range(4))
    assert not log_in(Client(REMOTE_ADDR=staffroom), "ada", "pw-ada-123")
    assert log_in(Client(REMOTE_ADDR="198.51.100.30"), "ada", "pw-ada-123")


def test_the_default_limits_are_generous_per_address(settings):
    assert settings.LOGIN_FAILURES_PER_ADDRESS >= 10 * settings.LOGIN_FAILURES_PER_USERNAME


@pytest.mark.parametrize("password", ["1", "password", "alice2026", "short7!"])
def test_createteacher_refuses_a_weak_password(password):
    with pytest.raises(CommandError, match="too weak"):
        call_command("createteacher", "alice2026", "--password", password)
    assert not get_user_model().objects.filter(username="alice2026").exists()


def test_createteacher_takes_a_strong_password():
    call_command("createteacher", "alice", "--password", "violet-Harbour-58")
    assert get_user_model().objects.get(username="alice").check_password("violet-Harbour-58")
