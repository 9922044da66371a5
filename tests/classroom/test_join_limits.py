"""Joining: a code that cannot be one is a clean form error before any limit or query; joins per address and
participants per session are capped."""

import pytest
from django.test import Client
from django.urls import reverse

from classroom.models import Participant
from classroom.services import participant_join, session_start

pytestmark = pytest.mark.django_db

NOT_CODES = {
    "nul": "AB\x00CDE",
    "all-nul": "\x00" * 6,
    "short": "ABCDE",
    "long": "ABCDEFG",
    "zero": "ABCDE0",
    "letter-i": "ABCDEI",
    "umlaut": "ÄBCDEF",
    "line-separator": "ABC DE\u2028",
    "huge": "A" * 5000,
}


def post_join(client: Client, code: str, name: str = "Mia") -> object:
    return client.post(reverse("classroom:join"), {"code": code, "display_name": name, "consent": "on"})


@pytest.mark.parametrize("code", NOT_CODES.values(), ids=NOT_CODES.keys())
def test_a_code_that_cannot_be_one_is_a_form_error_without_a_query(
    client, live_session, code, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = post_join(client, code)
    assert response.status_code == 400
    assert "A join code is 6 letters and digits" in response.content.decode()
    assert not Participant.objects.exists()


@pytest.mark.parametrize("path", ["/join/AB%00CDE/", "/join/%00%00%00%00%00%00/", "/join/WRONG1/", "/join/ABC/"])
def test_a_join_link_whose_code_cannot_be_one_says_so_without_a_query(
    client, live_session, path, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert response.status_code == 400
    assert "A join code is 6 letters and digits" in response.content.decode()
    assert "\x00" not in response.content.decode()  # not written back into the code field


def test_codes_that_cannot_be_one_do_not_count_as_guesses(client, live_session, settings):
    settings.JOIN_ATTEMPTS_PER_MINUTE = 2
    assert [post_join(client, code).status_code for code in NOT_CODES.values()] == [400] * len(NOT_CODES)
    assert [post_join(client, code).status_code for code in ("ZZZZZ2", "ZZZZZ3", "ZZZZZ4")] == [400, 400, 429]


def test_a_typed_code_may_have_spaces_dashes_and_small_letters(client, live_session):
    typed = f" {live_session.code[:3].lower()}-{live_session.code[3:]} "
    assert post_join(client, typed).status_code == 302
    assert Participant.objects.get().session == live_session


def test_joins_from_one_address_are_capped_generously(live_session, settings):
    settings.JOINS_PER_ADDRESS_PER_MINUTE = 3
    school = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [post_join(school, live_session.code, f"S{i}").status_code for i in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert "Too many students joined from your network" in post_join(school, live_session.code).content.decode()
    assert post_join(Client(REMOTE_ADDR="198.51.100.2"), live_session.code).status_code == 302
    assert live_session.participants.count() == 4


def test_a_session_takes_at_most_max_participants(live_session, course, settings):
    settings.MAX_PARTICIPANTS_PER_SESSION = 3
    participant_join(session=live_session, display_name="Left early")
    Participant.objects.update(left_at=live_session.started_at)  # those who left still count: their rows stay
    statuses = [
        post_join(Client(REMOTE_ADDR=f"198.51.100.{i}"), live_session.code, f"S{i}").status_code for i in range(4)
    ]
    assert statuses == [302, 302, 400, 400]
    full = post_join(Client(), live_session.code)
    assert "This class already has 3 students" in full.content.decode()
    assert live_session.participants.count() == 3
    other = session_start(course=course, title="Another class")
    assert post_join(Client(), other.code).status_code == 302
