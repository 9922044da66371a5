from typing import Any

from django.apps import AppConfig


def participant_data_delete_receiver(sender: Any, *, participant_id: int, **kwargs: Any) -> None:
    """A student's "delete my data" erases what a teacher's per-student deletion erases, name included."""
    from classroom.models import Participant
    from engagement.retention import participant_erase

    if (participant := Participant.objects.filter(pk=participant_id).first()) is not None:
        participant_erase(participant=participant)


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement: readings, flags, voice and history"

    def ready(self) -> None:
        from classroom.models import Participant
        from classroom.services import participant_data_delete_requested

        # A student who leaves with "delete my data" has everything recorded here about them deleted.
        participant_data_delete_requested.connect(
            participant_data_delete_receiver, sender=Participant, dispatch_uid="engagement.participant_data_delete"
        )
