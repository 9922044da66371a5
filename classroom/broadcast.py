"""Messages the web side pushes to live sockets through the channel layer."""

from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

from classroom.groups import students_group, teachers_group

# What the channel layer raises when it is full (ChannelFull) or briefly unreachable (a Redis restart).
LAYER_ERRORS = (ChannelFull, RedisError, OSError)


async def session_ended_broadcast(session_id: int) -> None:
    layer = get_channel_layer()
    for group in (teachers_group(session_id), students_group(session_id)):
        await layer.group_send(group, {"type": "session.ended"})
