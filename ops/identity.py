"""Which process this is, in the metrics files and the worker heartbeats."""

import os
import socket


def process_identity() -> str:
    """host-pid: process ids repeat across containers that share one metrics directory (each has its pid 1)."""
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"
