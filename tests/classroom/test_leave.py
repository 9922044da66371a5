"""Leaving with "delete my data": classroom asks whoever records data about students to delete it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from classroom.models import Participant
from classroom.services import participant_data_delete_requested, participant_leave
from engagement.apps import participant_data_delete_receiver

pytestmark = [pytest.mark.django_db]


def test_the_delete_request_reaches_every_listener_inside_the_leave(student):
    heard = []

    def listener(sender, *, participant_id, **kwargs):
        heard.append((participant_id, transaction.get_connection().in_atomic_block))

    participant_data_delete_requested.connect(listener, sender=Participant)
    try:
        participant_leave(participant_id=student.pk, delete_data=True)
    finally:
        participant_data_delete_requested.disconnect(listener, sender=Participant)
    assert heard == [(student.pk, True)]


def test_leaving_with_delete_refuses_when_nothing_would_delete_the_data(student):
    engagement = {"sender": Participant, "dispatch_uid": "engagement.participant_data_delete"}
    assert participant_data_delete_requested.disconnect(**engagement)
    try:
        with pytest.raises(ImproperlyConfigured):
            participant_leave(participant_id=student.pk, delete_data=True)
    finally:
        participant_data_delete_requested.connect(participant_data_delete_receiver, **engagement)
    student.refresh_from_db()
    assert student.left_at is None  # nothing half done
