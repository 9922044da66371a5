"""The Prometheus metrics of every Pulse process, and the calls the live path makes to update them.

With PROMETHEUS_MULTIPROC_DIR set (production: several Daphne and worker processes), every process writes
its values to files in that directory and /metrics adds up the files of all processes sharing it, so any web
process answers for all of them. The directory must exist, be shared by every Pulse process of one host (or
container group) and be emptied before they start (docs/deploy.md, "Metrics"). Without it (the embedded
default, one process) the process's own registry is served.

A "snapshot" is one `frame.analyze` message: a camera frame (kind="image") or, while the camera is off, the
attention heartbeat that stands in for one (kind="heartbeat"). Over time, for each kind:
received = analyzed + superseded + lost + what still waits in a worker's queue.
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from ops.identity import process_identity

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    # Before any metric exists: each process's files are named after this, and `pid` labels carry it.
    values.ValueClass = values.MultiProcessValue(process_identifier=process_identity)

SNAPSHOTS_RECEIVED = Counter(
    "pulse_snapshots_received", "Snapshots a web process accepted and handed to the inference channel.", ["kind"]
)
SNAPSHOTS_ANALYZED = Counter("pulse_snapshots_analyzed", "Snapshots a worker analyzed (and stored).", ["kind"])
SNAPSHOTS_SUPERSEDED = Counter(
    "pulse_snapshots_superseded", "Snapshots a worker dropped unanalyzed: the student's newer one came.", ["kind"]
)
SNAPSHOTS_LOST = Counter(
    "pulse_snapshots_lost",
    "Snapshots lost: the inference channel was full or unreachable (reason=channel), or the worker's batch "
    "failed, e.g. the database stayed down (reason=batch).",
    ["kind", "reason"],
)
MESSAGES_LOST = Counter(
    "pulse_messages_lost", "Other live messages lost because the channel layer was full or unreachable.", ["type"]
)
REFUSED = Counter("pulse_refused", "Commands, snapshots and joins refused by a limit.", ["limit"])
BATCH_SIZE = Histogram(
    "pulse_batch_size", "Snapshots per analyzed batch.", buckets=(1, 2, 4, 8, 16, 32, 64, 128, float("inf"))
)
INFERENCE_SECONDS = Histogram(
    "pulse_inference_seconds",
    "Face detection and emotion model time per batch.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, float("inf")),
)
SNAPSHOT_LATENCY = Histogram(
    "pulse_snapshot_latency_seconds",
    "From a web process receiving a snapshot to a worker having analyzed and stored it (wall clocks).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, float("inf")),
)
# Labelled, so that only processes running an inference engine have a series (labels are made on first use).
WORKER_QUEUE = Gauge(
    "pulse_worker_queue_snapshots",
    "Snapshots waiting in this inference worker's buffer (one per student at most), by channel.",
    ["channel"],
    multiprocess_mode="liveall",
)
OPEN_SOCKETS = Gauge("pulse_open_sockets", "Live WebSockets open, by role.", ["role"], multiprocess_mode="livesum")


def _kind(message: dict[str, Any]) -> str:
    return "image" if message.get("jpeg") else "heartbeat"


# --- web processes (the consumers)


def snapshot_sent(message: dict[str, Any]) -> None:
    """A message is being handed to the inference channel; counts it when it is a snapshot."""
    if message.get("type") == "frame.analyze":
        SNAPSHOTS_RECEIVED.labels(_kind(message)).inc()


def send_failed(message: dict[str, Any]) -> None:
    """The inference channel was full or unreachable: the message is lost."""
    if message.get("type") == "frame.analyze":
        SNAPSHOTS_LOST.labels(_kind(message), "channel").inc()
    else:
        MESSAGES_LOST.labels(message.get("type", "unknown")).inc()


def message_lost(message_type: str) -> None:
    MESSAGES_LOST.labels(message_type).inc()


def refused(limit: str) -> None:
    REFUSED.labels(limit).inc()


def socket_opened(role: str) -> None:
    OPEN_SOCKETS.labels(role).inc()


def socket_closed(role: str) -> None:
    OPEN_SOCKETS.labels(role).dec()


# --- inference workers


def snapshot_superseded(message: dict[str, Any]) -> None:
    SNAPSHOTS_SUPERSEDED.labels(_kind(message)).inc()


def queue_length(waiting: int) -> None:
    from django.conf import settings

    WORKER_QUEUE.labels(settings.INFERENCE_CHANNEL).set(waiting)


@contextmanager
def inference_timed() -> Iterator[None]:
    with INFERENCE_SECONDS.time():
        yield


def batch_analyzed(batch: Iterable[dict[str, Any]]) -> None:
    now = time.time()
    jobs = list(batch)
    BATCH_SIZE.observe(len(jobs))
    for job in jobs:
        SNAPSHOTS_ANALYZED.labels(_kind(job)).inc()
        if "t" in job:
            SNAPSHOT_LATENCY.observe(max(0.0, now - job["t"]))


def batch_lost(batch: Iterable[dict[str, Any]]) -> None:
    for job in batch:
        SNAPSHOTS_LOST.labels(_kind(job), "batch").inc()


# --- reading this process's values (tests, benchmarks)


def sample_total(name: str, **labels: str) -> float:
    """This process's value of the sample `name` (e.g. "pulse_refused_total"), summed over the labels not given;
    0 when nothing was counted yet."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        for sample in metric.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


# --- exposition


def exposition() -> tuple[bytes, str]:
    """(body, content type) of /metrics: every process's values in multiprocess mode, else this process's."""
    if not MULTIPROC_DIR:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=MULTIPROC_DIR)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _process_exited() -> None:
    """Removes this process's live gauges (open sockets, queue); its counters and histograms stay counted."""
    multiprocess.mark_process_dead(process_identity(), MULTIPROC_DIR)


if MULTIPROC_DIR:
    atexit.register(_process_exited)
