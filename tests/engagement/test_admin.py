"""The admin: recorded data newest first and to the second, sessions labelled plainly, no way back to live."""

import re

import pytest
from django.urls import reverse

from classroom.models import ClassSession
from classroom.services import participant_join, session_start
from engagement.core.synthetic import reading
from tests.engagement.conftest import T0, ended_session, readings_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_readings_are_listed_newest_first_with_seconds(admin_client, course):
    session = ended_session(course, "Fractions")
    pid = participant_join(session=session, display_name="Ana").pk
    readings_store(session.pk, [reading(pid, T0 + s) for s in (0, 7, 13)])
    page = admin_client.get(reverse("admin:engagement_reading_changelist")).content.decode()
    times = re.findall(r"2026-01-05 \d\d:\d\d:(\d\d)", page)
    assert times[:3] == ["13", "07", "00"]


def test_a_session_is_labelled_by_its_own_title_not_its_class_twice(admin_client, course):
    ended_session(course, "Fractions")
    page = admin_client.get(reverse("admin:classroom_classsession_changelist")).content.decode()
    [label] = re.findall(r'class="field-title_or_start"><a [^>]*>([^<]*)</a>', page)
    [course_cell] = re.findall(r'class="field-course nowrap">([^<]*)<', page)
    assert (label, course_cell) == ("Fractions", course.name)


def test_an_ended_session_cannot_be_switched_back_to_live(admin_client, course):
    session = ended_session(course, "Fractions")
    url = reverse("admin:classroom_classsession_change", args=[session.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="status"' not in form  # shown, not editable
    admin_client.post(url, {"title": "Fractions", "status": "live", "_save": "Save"})
    session.refresh_from_db()
    assert session.status == ClassSession.Status.ENDED


def test_the_end_action_ends_live_sessions(admin_client, course):
    live = session_start(course=course, title="Now")
    admin_client.post(
        reverse("admin:classroom_classsession_changelist"),
        {"action": "end_sessions", "_selected_action": [live.pk]},
    )
    live.refresh_from_db()
    assert live.status == ClassSession.Status.ENDED and live.ended_at is not None
