from typing import Any

from django.apps import AppConfig


def participant_data_deleted_receiver(sender: Any, *, participant_id: int, session_id: int, **kwargs: Any) -> None:
    """A student's "delete my data" was committed: their live record and tile go too."""
    from live.events import student_forget

    student_forget(participant_id=participant_id, session_id=session_id)


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live class: sockets, inference workers and the dashboard feed"

    def ready(self) -> None:
        from classroom.models import Participant
        from classroom.services import participant_data_deleted

        participant_data_deleted.connect(
            participant_data_deleted_receiver, sender=Participant, dispatch_uid="live.participant_data_deleted"
        )
