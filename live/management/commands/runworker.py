"""`manage.py runworker inference`: channels' runworker with a worker that outlives a Redis restart."""

from channels.management.commands.runworker import Command as ChannelsRunworker

from live.worker import ResilientWorker


class Command(ChannelsRunworker):
    worker_class = ResilientWorker
