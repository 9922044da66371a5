import logging
from typing import Any

from django.apps import AppConfig


def participant_data_deleted_receiver(sender: Any, *, participant_id: int, session_id: int, **kwargs: Any) -> None:
    """A student's "delete my data" was committed: their live record and tile go too."""
    from live.events import student_forget

    student_forget(participant_id=participant_id, session_id=session_id)


def user_logged_out_receiver(sender: Any, *, user: Any, **kwargs: Any) -> None:
    """A teacher logged out: every dashboard socket of theirs closes (4001), in whichever process it is open."""
    if user is None:
        return
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from classroom.broadcast import LAYER_ERRORS
    from classroom.groups import teacher_dashboards_group

    try:
        async_to_sync(get_channel_layer().group_send)(teacher_dashboards_group(user.pk), {"type": "logged.out"})
    except LAYER_ERRORS:  # each command on those sockets checks the log-in again
        logging.getLogger(__name__).warning("channel layer unavailable: dashboards of a logged-out teacher stay open")


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live class: sockets, inference workers and the dashboard feed"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from classroom.models import Participant
        from classroom.services import participant_data_deleted

        user_logged_out.connect(user_logged_out_receiver, dispatch_uid="live.user_logged_out")
        participant_data_deleted.connect(
            participant_data_deleted_receiver, sender=Participant, dispatch_uid="live.participant_data_deleted"
        )
