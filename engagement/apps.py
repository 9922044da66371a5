from typing import Any

from django.apps import AppConfig


def participant_data_delete_receiver(sender: Any, *, participant_id: int, **kwargs: Any) -> None:
    from engagement.services import participant_data_delete

    participant_data_delete(participant_id=participant_id)


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
