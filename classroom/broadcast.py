"""Messages the web side pushes to live sockets through the channel layer."""

from channels.layers import get_channel_layer

from classroom.groups import students_group, teachers_group


async def session_ended_broadcast(session_id: int) -> None:
    layer = get_channel_layer()
    for group in (teachers_group(session_id), students_group(session_id)):
        await layer.group_send(group, {"type": "session.ended"})
